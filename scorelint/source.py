"""Reading, parsing and indexing one source file.

Speed matters here more than anywhere else (bench/ measures it). libcst's metadata providers cost
more than the parse itself (PositionProvider alone is about twice the parse), and a plain
`CSTVisitor` walk costs more than the parse too. So the engine does neither: it runs libcst's own
code generator once with a small state object that records, for every node, its parent, its type
bucket and the token indices where it starts and ends. That single pass gives the node index the
rules query and the exact positions of any node, for about a third of the cost of a parse.
"""

from __future__ import annotations

import bisect
import re
from collections.abc import Iterator
from dataclasses import dataclass
from itertools import accumulate
from typing import TypeVar

import libcst as cst
from libcst._nodes.internal import CodegenState

from .encoding import SourceDecodeError, SourceFile, decode_source  # noqa: F401 - re-exported
from .model import Position, Range

N = TypeVar("N", bound=cst.CSTNode)

_NEWLINE = re.compile(r"\r\n|\r|\n")


class _IndexingState(CodegenState):
    """A codegen state that records the index instead of (only) producing text."""

    def __init__(self, module: cst.Module) -> None:
        super().__init__(default_indent=module.default_indent, default_newline=module.default_newline)
        self.parent: dict[cst.CSTNode, cst.CSTNode | None] = {}
        self.by_type: dict[type, list[cst.CSTNode]] = {}
        # node -> (first token, end token, first pre-order index, end pre-order index)
        self.outer: dict[cst.CSTNode, tuple[int, int, int, int]] = {}
        self.preorder: list[cst.CSTNode] = []
        self.syntactic: dict[cst.CSTNode, tuple[int, int, cst.CSTNode | None]] = {}
        self._stack: list[tuple[cst.CSTNode | None, int, int]] = [(None, 0, 0)]

    def before_codegen(self, node: cst.CSTNode) -> None:
        stack, preorder = self._stack, self.preorder
        self.parent[node] = stack[-1][0]
        stack.append((node, len(self.tokens), len(preorder)))
        preorder.append(node)
        bucket = self.by_type.get(type(node))
        if bucket is None:
            self.by_type[type(node)] = [node]
        else:
            bucket.append(node)

    def after_codegen(self, node: cst.CSTNode) -> None:
        _, token_start, preorder_start = self._stack.pop()
        self.outer[node] = (token_start, len(self.tokens), preorder_start, len(self.preorder))

    def record_syntactic_position(
        self,
        node: cst.CSTNode,
        *,
        start_node: cst.CSTNode | None = None,
        end_node: cst.CSTNode | None = None,
    ) -> _SyntacticSpan:
        # A plain object rather than @contextmanager: this runs for every expression and statement.
        return _SyntacticSpan(self, node, end_node)

    def pop_trailing_newline(self) -> None:
        # A file without a final newline: libcst drops the last token after the nodes ending there have
        # recorded their end index. Emptying it instead keeps those indices inside the token list.
        if self.tokens:
            self.tokens[-1] = ""


class _SyntacticSpan:
    __slots__ = ("state", "node", "end_node", "start")

    def __init__(self, state: _IndexingState, node: cst.CSTNode, end_node: cst.CSTNode | None) -> None:
        self.state, self.node, self.end_node = state, node, end_node

    def __enter__(self) -> None:
        self.start = len(self.state.tokens)

    def __exit__(self, *exc_info: object) -> None:
        self.state.syntactic[self.node] = (self.start, len(self.state.tokens), self.end_node)


@dataclass
class ParsedSource:
    """A parsed file with its node index and position lookup."""

    text: str
    module: cst.Module
    parent: dict[cst.CSTNode, cst.CSTNode | None]
    by_type: dict[type, list[cst.CSTNode]]
    _outer: dict[cst.CSTNode, tuple[int, int, int, int]]
    _preorder: list[cst.CSTNode]
    _syntactic: dict[cst.CSTNode, tuple[int, int, cst.CSTNode | None]]
    _token_offsets: list[int]
    _line_starts: list[int]

    @classmethod
    def parse(cls, text: str) -> ParsedSource:
        """Parse `text`; raises libcst.ParserSyntaxError on invalid Python."""
        if text.endswith("\r"):
            # libcst drops a final lone "\r" (classic Mac line endings): "\n" in its place keeps every offset.
            text = text[:-1] + "\n"
        module = cst.parse_module(text)
        state = _IndexingState(module)
        module._codegen(state)
        generated = "".join(state.tokens)
        if generated != text:
            # libcst accepted the file but its tree does not print it back (a statement after a lone
            # backslash line is put inside the block above it): every position would be wrong.
            at = next((i for i, (a, b) in enumerate(zip(generated, text)) if a != b), min(len(generated), len(text)))
            line = text.count("\n", 0, at) + 1
            raise cst.ParserSyntaxError("libcst's tree does not reproduce the file here",
                                        lines=text.splitlines(True) or [""], raw_line=line,
                                        raw_column=at - (text.rfind("\n", 0, at) + 1))
        offsets = list(accumulate(map(len, state.tokens), initial=0))
        return cls(
            text=text,
            module=module,
            parent=state.parent,
            by_type=state.by_type,
            _outer=state.outer,
            _preorder=state.preorder,
            _syntactic=state.syntactic,
            _token_offsets=offsets,
            _line_starts=line_starts(text),
        )

    # --- the node index -------------------------------------------------------------------------
    def nodes(self, node_type: type[N]) -> list[N]:
        """All nodes of exactly this type, in document order."""
        return self.by_type.get(node_type, [])  # type: ignore[return-value]

    def ancestors(self, node: cst.CSTNode) -> Iterator[cst.CSTNode]:
        parent = self.parent.get(node)
        while parent is not None:
            yield parent
            parent = self.parent.get(parent)

    def enclosing(self, node: cst.CSTNode, node_type: type[N] | tuple[type, ...]) -> N | None:
        for ancestor in self.ancestors(node):
            if isinstance(ancestor, node_type):
                return ancestor  # type: ignore[return-value]
        return None

    def enclosing_statement(self, node: cst.CSTNode) -> cst.CSTNode:
        """The innermost statement (simple line or compound) holding `node`, or node itself."""
        if isinstance(node, cst.BaseStatement):
            return node
        found = self.enclosing(node, cst.BaseStatement)
        return found if found is not None else node

    def walk(self, root: cst.CSTNode, node_type: type[N] | None = None) -> list[N]:
        """Nodes inside `root` (root included) in document order, optionally of one type only.

        A subtree is a contiguous run of the pre-order list, so this is a slice, not a traversal.
        """
        span = self._outer.get(root)
        if span is None:
            return []
        run = self._preorder[span[2] : span[3]]
        if node_type is None:
            return run  # type: ignore[return-value]
        return [n for n in run if type(n) is node_type]  # type: ignore[misc]

    # --- positions ------------------------------------------------------------------------------
    def offset_to_position(self, offset: int) -> Position:
        line_index = bisect.bisect_right(self._line_starts, offset) - 1
        return Position(line_index + 1, offset - self._line_starts[line_index])

    def offsets(self, node: cst.CSTNode, *, whitespace: bool = False) -> tuple[int, int]:
        """Character offsets [start, end) of a node.

        Without `whitespace`, the syntactic extent (what a user calls the node); with it, the
        extent including the whitespace and comments the node owns (what a replacement replaces).
        """
        if not whitespace:
            syn = self._syntactic.get(node)
            if syn is not None:
                start_tok, end_tok, end_node = syn
                start, end = self._token_offsets[start_tok], self._token_offsets[end_tok]
                if end_node is not None:
                    end = self._trimmed(*self.offsets(end_node, whitespace=True))[1]
                return start, end
            outer = self._outer.get(node)
            if outer is None:
                raise KeyError(f"node {type(node).__name__} is not part of this module")
            return self._trimmed(self._token_offsets[outer[0]], self._token_offsets[outer[1]])
        outer = self._outer[node]
        return self._token_offsets[outer[0]], self._token_offsets[outer[1]]

    def _trimmed(self, start: int, end: int) -> tuple[int, int]:
        text = self.text
        while start < end and text[start] in " \t\r\n\\\f":
            start += 1
        while end > start and text[end - 1] in " \t\r\n\f":
            end -= 1
        return start, end

    def range_of(self, node: cst.CSTNode) -> Range:
        start, end = self.offsets(node)
        return Range(self.offset_to_position(start), self.offset_to_position(end))

    def code(self, node: cst.CSTNode) -> str:
        start, end = self.offsets(node)
        return self.text[start:end]

    def line_text(self, line: int) -> str:
        start = self._line_starts[line - 1]
        end = self._line_starts[line] if line < len(self._line_starts) else len(self.text)
        return _NEWLINE.sub("", self.text[start:end])


def line_starts(text: str) -> list[int]:
    starts = [0]
    starts.extend(match.end() for match in _NEWLINE.finditer(text))
    return starts
