"""Instance feedback: a candidate like one of the recommendation's own accepted actions.

Rocchio feedback (feedback.py) adds the cosine to the centroid of a recommendation's accepted
actions. A broad ask ("build coalitions", "targeted sanctions") is implemented by diverse,
concrete instances: their centroid resembles none of them, so a new instance much like one
accepted action gains little. Here a candidate also gains `Params.instance_weight` times the
mean cosine to its `NEAREST` accepted actions of the recommendation (the one cosine when only
one is accepted). Measured on the whole record: README, *How good the suggestions are*.

Like peer evidence, the lift is added after document context and lends nothing to the
action's neighbours. The cosines come from the actions' unit rows (`action_rows`' second
half): `Ranking` computes them only for the actions whose lift could bring them into its top
(`Ranking._instances`), the incremental run (suggestions.py) from the accepted rows stored with
the fit (`Queries.accepted_units`).
"""

import numpy as np

NEAREST = 2
# Below this an explanation names no accepted action: the lift does not move a rank visibly.
SHOWN_LIFT = 0.01


def nearest_mean(similarities, starts):
    """Per recommendation (a run of `similarities`' columns from each of `starts`), the mean of
    each action's `NEAREST` highest cosines in the run (fewer when the run is shorter):
    (actions x runs)."""
    if not similarities.shape[1] or not len(starts):
        return np.zeros((similarities.shape[0], len(starts)))
    starts = np.asarray(starts, dtype=np.int64)
    sizes = np.diff(np.append(starts, similarities.shape[1]))
    best = np.maximum.reduceat(similarities, starts, axis=1)
    run_of = np.repeat(np.arange(len(starts)), sizes)
    at_best = similarities == best[:, run_of]
    # A tie at the best counts twice; otherwise the best of the rest is the second.
    ties = np.add.reduceat(at_best.astype(np.int64), starts, axis=1)
    second = np.maximum.reduceat(np.where(at_best, -np.inf, similarities), starts, axis=1)
    second = np.where(ties >= 2, best, second)
    return np.where(sizes >= NEAREST, (best + second) / NEAREST, best)


def why(similarities, accepted_ids, accepted_links, weight, lift):
    """The accepted action nearest to one action (`similarities`: its cosines to `accepted_ids`),
    as `explain` stores it: the lift, the action and its link; None below `SHOWN_LIFT`."""
    lift = weight * float(lift)
    if not len(accepted_ids) or lift < SHOWN_LIFT:
        return None
    nearest = int(accepted_ids[int(np.argmax(similarities))])  # the first wins a tie
    return {"lift": round(lift, 4), "action": nearest, "link": accepted_links[nearest]}
