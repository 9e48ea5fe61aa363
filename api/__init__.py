"""The FastAPI app: routes, auth, request/response models, the Temporal client."""
