"""Alembic migrations of the service's schema, shipped inside the package so ``recon init`` works anywhere."""
