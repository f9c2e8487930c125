"""`make bench`: a reproducible benchmark at the size of a whole administration."""
