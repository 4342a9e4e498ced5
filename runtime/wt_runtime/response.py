"""The outcome of one workflow run, as written to result.json."""

from typing import Any

from pydantic import BaseModel


class ResponseModel(BaseModel):
    """`{"result": ..., "error": ..., "trace": ...}`: the result or the failure."""

    result: Any = None
    error: str | None = None
    trace: str | None = None
