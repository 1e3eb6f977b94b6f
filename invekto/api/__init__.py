"""The HTTP API: FastAPI app assembly, dependencies and one router per area."""
