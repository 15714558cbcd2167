"""What keeps hostile input from crashing the engine: a size limit, CPython's parser first for files
whose brackets or operator chains could nest thousands deep (libcst's parser is quadratic on them and
overflows its stack past ~2,000 levels), and a thread with a big stack for deep files.
"""

from __future__ import annotations

import re
import sys
import threading
import warnings

import libcst as cst


# Bigger files cost seconds and gigabytes to parse with libcst (about 750 bytes of memory per character).
MAX_SOURCE_CHARS = 1_000_000
# CPython's own parser (about a tenth of libcst's parse time) first checks files that hold enough operators
# for one expression to nest thousands deep: libcst's parse is quadratic in such chains (2,000 terms: 0.65 s;
# 3,000: 2 s, where CPython refuses them with a RecursionError in 2 ms). Counting the operators is ~50 µs;
# the largest real and generated entry scripts (30 kB) hold under 1,500, so ordinary files skip the check.
_CHAIN_TOKENS = (*"+-*/%&|^@.([~", " and ", " or ", "not ", "elif", " if ", "await ", "lambda")
_CHAIN_OPERATOR_BUDGET = 2_000


def may_chain_deeply(text: str) -> bool:
    return sum(map(text.count, _CHAIN_TOKENS)) > _CHAIN_OPERATOR_BUDGET


# Files this big are linted on the big-stack thread from the start (a new thread costs ~0.1 ms; linting them
# costs 50 ms and more). Smaller ones cannot hold a chain deep enough to overflow the main thread's stack.
BIG_STACK_CHARS = 20_000
# For files nested deeper than the default recursion limit allows (walked again on a thread with a big stack).
_DEEP_RECURSION_LIMIT = 1_000_000  # Python frames cost heap, not C stack, in 3.11+
_DEEP_STACK_BYTES = 512 * 1024 * 1024


class TooDeep(Exception):
    """A RecursionError on the first try: lint again with a deeper stack."""


# CPython's tokenizer refuses more than 200 nested brackets ("too many nested parentheses").
MAX_BRACKET_DEPTH = 200


def brackets_may_nest_deeper_than(text: str, limit: int) -> bool:
    """Whether brackets may nest deeper than `limit` (brackets inside strings and comments count too: a
    false alarm only costs a CPython parse). Counting the opening ones first keeps ordinary files at a few
    microseconds."""
    if text.count("(") + text.count("[") + text.count("{") <= limit:
        return False
    depth = 0
    for char in _BRACKET_CHARS.findall(text):
        if char in "([{":
            depth += 1
            if depth > limit:
                return True
        else:
            depth -= 1
    return False


_BRACKET_CHARS = re.compile(r"[()\[\]{}]")


def cpython_parse_problem(text: str) -> str | SyntaxError | None:
    """What CPython's parser says of `text`: None, its SyntaxError, or "recursion" (nested too deeply)."""
    import ast

    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            compile(text, "<scorelint>", "exec", ast.PyCF_ONLY_AST, dont_inherit=True)
    except (RecursionError, MemoryError):
        return "recursion"
    except SyntaxError as exc:
        return exc
    except ValueError:
        return None  # left to the usual path (SL001 or a clear error)
    return None


_deep_lock = threading.Lock()
_deep_users = 0
_saved_limit = 0


def with_deep_stack(fn, *args, **kwargs):
    """Run `fn` on a thread with a 512 MB stack and a high recursion limit. The limit is process-wide: the
    thread raises it as it starts and the last such thread restores it as it ends, never earlier (lowering
    it under a thread still deep in a tree is a fatal error; Ctrl-C may interrupt the caller at any time)."""
    outcome: dict[str, object] = {}
    done = threading.Event()

    def target() -> None:
        global _deep_users, _saved_limit
        with _deep_lock:
            if _deep_users == 0:
                _saved_limit = sys.getrecursionlimit()
                sys.setrecursionlimit(max(_saved_limit, _DEEP_RECURSION_LIMIT))
            _deep_users += 1
        try:
            outcome["value"] = fn(*args, **kwargs)
        except BaseException as exc:  # noqa: BLE001 - re-raised in the caller's thread
            outcome["error"] = exc
        finally:
            with _deep_lock:
                _deep_users -= 1
                if _deep_users == 0:
                    sys.setrecursionlimit(_saved_limit)
            done.set()

    with _deep_lock:  # stack_size is process-wide too: set only around this thread's creation
        previous = threading.stack_size(_DEEP_STACK_BYTES)
        try:
            thread = threading.Thread(target=target, name="scorelint-deep-file")
            thread.start()
        finally:
            threading.stack_size(previous)
    # Not thread.join(): on Python 3.11 a join interrupted by Ctrl-C marks the thread as finished while it
    # still runs, the interpreter then finalises under it and the process aborts (SIGABRT) inside libcst.
    # Interrupted here, the thread stays known to `threading`, which lets it finish before the exit.
    done.wait()
    thread.join()
    if "error" in outcome:
        raise outcome["error"]  # type: ignore[misc]
    return outcome["value"]


def parses(text: str) -> bool:
    """Whether both libcst and CPython accept `text` (with the same guards against libcst's stack as linting)."""
    if brackets_may_nest_deeper_than(text, MAX_BRACKET_DEPTH) or may_chain_deeply(text):
        if cpython_parse_problem(text) is not None:
            return False
    try:
        if len(text) > BIG_STACK_CHARS:
            with_deep_stack(cst.parse_module, text)
        else:
            cst.parse_module(text)
        with warnings.catch_warnings():  # CPython's SyntaxWarnings about the user's code are not ours to print
            warnings.simplefilter("ignore")
            compile(text, "<fixed>", "exec", dont_inherit=True)
    except (cst.ParserSyntaxError, SyntaxError, ValueError, RecursionError, MemoryError):
        return False
    return True
