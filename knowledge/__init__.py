"""The knowledge base: cities and their services, kept current by city staff."""
