"""The HTTP API (FastAPI): thin routers that parse, authorise and call one service function."""
