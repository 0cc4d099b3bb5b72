"""Stage 4, analyses: what is computed from solved models and from re-solves (marginal values,
the value of the stochastic solution, explanations, what-ifs, the frontier)."""
