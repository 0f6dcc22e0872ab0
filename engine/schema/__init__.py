"""The `Database` model of a user's data and how it is introspected and inferred."""
from engine.schema.model import Column, Database, ForeignKey, SemanticType, Table

__all__ = ["Column", "Database", "ForeignKey", "SemanticType", "Table"]
