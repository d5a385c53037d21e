"""A per-agent Mesa reference of the community model's core rules (for docking and speed)."""

from .model import ReferenceModel

__all__ = ["ReferenceModel"]
