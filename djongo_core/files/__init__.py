"""File storage on GridFS: GridFSStorage for FileField/ImageField, serve() for their URLs."""

from djongo_core.files.storage import GridFSFile, GridFSStorage
from djongo_core.files.views import serve

__all__ = ["GridFSFile", "GridFSStorage", "serve"]
