"""The Pyomo formulation, installed as ``optimizer.models``.

``prepare(case) -> ModelData`` (sparse sets and coefficients, no Pyomo) and
``create_model(data) -> ConcreteModel`` (one function per business rule).
"""

from optimizer.models.build import create_model
from optimizer.models.data import ModelData, prepare

__all__ = ["ModelData", "create_model", "prepare"]
