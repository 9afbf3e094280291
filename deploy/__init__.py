"""Deployment files: the nginx template and its renderer."""
