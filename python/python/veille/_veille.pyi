"""Types of veille's Rust extension (use it through the ``veille`` package)."""

from typing import Any, Sequence

__version__: str

class VeilleError(Exception):
    """Any error of veille (the same message as the command line's)."""

class InputError(VeilleError):
    """The caller's data, options or files cannot be used (exit code 2 on the command line)."""

class InternalError(VeilleError):
    """veille failed (exit code 1 on the command line)."""

class NativeModel:
    @staticmethod
    def load(path: str) -> NativeModel: ...
    @staticmethod
    def from_bytes(data: bytes, name: str = "<bytes>") -> NativeModel: ...
    def to_bytes(self) -> bytes: ...
    def save(self, path: str) -> None: ...
    @property
    def kind(self) -> str: ...
    @property
    def labels(self) -> list[str]: ...
    @property
    def multilabel(self) -> bool: ...
    def describe_json(self, top: int = 10) -> str: ...
    def classify(
        self,
        texts: Sequence[str],
        ids: list[str] | None = None,
        top: int | None = None,
        threshold: float | None = None,
        terms: int = 5,
        passages: bool = True,
        n_passages: int = 3,
    ) -> list[dict[str, Any]]: ...
    def decide(
        self, texts: Sequence[str], threshold: float | None = None, passages: bool = True
    ) -> tuple[list[list[int]], list[float]]: ...
    def classify_arrow(
        self,
        batch: Any,
        text_field: str = "text",
        id_field: str = "id",
        top: int | None = None,
        threshold: float | None = None,
        terms: int = 5,
        passages: bool = True,
        n_passages: int = 3,
    ) -> Any: ...

def train(
    texts: list[str], labels: list[Any], options_json: str = "{}", ids: list[str] | None = None
) -> NativeModel: ...
def train_file(path: str, options_json: str = "{}") -> NativeModel: ...
def cv_folds(labels: list[Any], k: int, seed: int) -> list[tuple[list[int], list[int]]]: ...
def cross_validate(
    texts: list[str], labels: list[Any], k: int, seed: int, options_json: str = "{}"
) -> str: ...
