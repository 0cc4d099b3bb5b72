"""Stage 3, solvers: the hand-off to HiGHS and the solution methods around it."""
