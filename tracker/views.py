from itertools import groupby

from django.shortcuts import get_object_or_404, render

from .models import Recommendation


def recommendation_list(request):
    recommendations = Recommendation.objects.for_list_page()
    stages = [
        (stage, list(items)) for stage, items in groupby(recommendations, key=lambda r: r.stage)
    ]
    return render(
        request,
        "tracker/recommendation_list.html",
        {"stages": stages, "total": len(recommendations)},
    )


def recommendation_detail(request, code):
    recommendation = get_object_or_404(Recommendation.objects.for_detail_page(), code=code)
    return render(request, "tracker/recommendation_detail.html", {"recommendation": recommendation})
