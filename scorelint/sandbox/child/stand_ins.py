"""Stand-ins for the packages a script imports that are not installed in the sandbox's interpreter.

Real entry scripts import torch, transformers, mlflow, cv2, azureml.core... at the top, and most of them
are not installed where scorelint runs. The Swagger document does not depend on them: it comes from the
inference-schema decorators, whose samples are built with numpy, pandas and plain Python. So when the
script's import fails with "No module named X" (and only then), X is stood in by a module whose every
attribute is a `StandIn`, and the import is tried again, until it succeeds or fails for another reason.
The set of stood-in modules is therefore the smallest one the import needs: a guarded
`try: import apex / except ImportError` keeps its real ImportError.

Never stood in: a module any real finder of the interpreter finds (every finder comes before this one
on sys.meta_path, and the script's folder is on sys.path), a submodule of an installed package (only of
a namespace package such as `azureml`), and the packages the documents come from (inference_schema,
numpy, pandas). An exception that is not a missing module still fails the import; if a stand-in value
took part in it, the report says so (`stand_in_culprit`).

A `StandIn` answers attribute access, calls (and serves as a decorator: `@torch.no_grad()` returns the
function), subclassing (`class Net(torch.nn.Module)`), `isinstance(x, torch.Tensor)`, iteration (empty),
`with` blocks, operators, `len` (0) and truth (False: `torch.cuda.is_available()` takes the CPU path).
A stood-in module's `__version__` is "9999.0.0", so minimum-version checks pass.

Child side: standard library only, Python 3.8+ syntax (see __init__.py).
"""

import os
import sys
import types

NEVER = frozenset({"inference_schema", "numpy", "pandas"})  # the schema types come from the real packages
VERSION = "9999.0.0"
MAX_ROUNDS = 50  # import attempts: one per missing module, at most


def _dunder(name):
    return name[:2] == "__" and name[-2:] == "__"


# ==================================================================================================
# Values
# ==================================================================================================
class StandIn:
    """A value that comes from a module that is not installed."""

    _sl_path = "?"  # what it stands for, e.g. "torch.zeros()"

    def __init__(self, *args, **kwargs):  # instances of user classes derived from a stand-in
        pass

    def __init_subclass__(cls, **kwargs):  # class Net(nn.Module, some_option=...)
        pass

    def __getattr__(self, name):
        if _dunder(name) or name.startswith("_sl_"):
            raise AttributeError(name)
        value = _value(_path(self) + "." + name)
        try:
            object.__setattr__(self, name, value)  # the same object next time: identity and isinstance hold
        except (AttributeError, TypeError):
            pass
        return value

    def __call__(self, *args, **kwargs):
        if len(args) == 1 and not kwargs and isinstance(args[0], _DECORATED):
            return args[0]  # @torch.jit.script, @torch.no_grad(), @tf.function(...): the function itself
        return _value(_path(self) + "()")

    def __mro_entries__(self, bases):
        return (_class_of(self),)

    def __instancecheck__(self, instance):
        made = self.__dict__.get("_sl_class")
        if made is not None and isinstance(instance, made):
            return True
        return isinstance(instance, StandIn) and _path(instance) == _path(self) + "()"

    def __subclasscheck__(self, subclass):
        made = self.__dict__.get("_sl_class")
        return made is not None and isinstance(subclass, type) and issubclass(subclass, made)

    @classmethod
    def __class_getitem__(cls, item):
        return cls

    # containers and protocols: empty, inert
    def __iter__(self):
        return iter(())

    def __len__(self):
        return 0

    def __contains__(self, item):
        return False

    def __getitem__(self, key):
        return _value(_path(self) + "[]")

    def __setitem__(self, key, value):
        pass

    def __delitem__(self, key):
        pass

    def __enter__(self):
        return self

    def __exit__(self, *exc_info):
        return False  # never swallows the exception of the block

    def __bool__(self):
        return False

    def __eq__(self, other):
        return self is other

    def __ne__(self, other):
        return self is not other

    def __hash__(self):
        return id(self)

    def __lt__(self, other):
        return False

    __le__ = __gt__ = __ge__ = __lt__

    def __int__(self):
        return 0

    __index__ = __trunc__ = __floor__ = __ceil__ = __int__

    def __float__(self):
        return 0.0

    def __complex__(self):
        return 0j

    def __round__(self, digits=None):
        return 0

    def __repr__(self):
        return "<stand-in for %s>" % _path(self)

    __str__ = __repr__

    def __format__(self, spec):
        return repr(self)

    def __copy__(self):
        return self

    def __deepcopy__(self, memo):
        return self

    def __reduce__(self):
        return (_value, (_path(self),))

    def __array__(self, dtype=None, copy=None):
        # numpy.array(stand_in) keeps the stand-in (an object array), so that a sample built from it is
        # recognised, instead of an empty float array that would give a wrong schema silently.
        numpy = sys.modules["numpy"]  # only numpy calls this
        array = numpy.empty((), dtype=object)
        array[()] = self
        return array


def _operator(symbol):
    def method(self, *other):
        return _value("(%s %s)" % (_path(self), symbol))
    return method


for _name, _symbol in (("add", "+"), ("sub", "-"), ("mul", "*"), ("matmul", "@"), ("truediv", "/"),
                       ("floordiv", "//"), ("mod", "%"), ("pow", "**"), ("lshift", "<<"), ("rshift", ">>"),
                       ("and", "&"), ("xor", "^"), ("or", "|"), ("divmod", "divmod")):
    setattr(StandIn, "__%s__" % _name, _operator(_symbol))
    setattr(StandIn, "__r%s__" % _name, _operator(_symbol))
for _name in ("neg", "pos", "abs", "invert"):
    setattr(StandIn, "__%s__" % _name, _operator(_name))
del _name, _symbol

_DECORATED = (types.FunctionType, types.BuiltinFunctionType, types.MethodType, type, staticmethod, classmethod)


def _path(value):
    try:
        return object.__getattribute__(value, "_sl_path")
    except AttributeError:
        return "?"


def _value(path):
    value = StandIn.__new__(StandIn)
    object.__setattr__(value, "_sl_path", path)
    return value


class StandInMeta(type):
    """The metaclass of the classes made for `class Net(torch.nn.Module)`: `Net.from_pretrained` works."""

    def __getattr__(cls, name):
        if _dunder(name) or name.startswith("_sl_"):
            raise AttributeError(name)
        value = _value(cls._sl_path + "." + name)
        type.__setattr__(cls, name, value)
        return value


def _class_of(stand_in):
    """The real class a stand-in becomes when it is used as a base class (one per stand-in)."""
    made = stand_in.__dict__.get("_sl_class")
    if made is None:
        path = _path(stand_in)
        name = path.rsplit(".", 1)[-1] or "StandIn"
        made = StandInMeta(name, (StandIn,), {"_sl_path": path, "__module__": path.split(".")[0],
                                              "__qualname__": name})
        object.__setattr__(stand_in, "_sl_class", made)
    return made


class StandInModule(types.ModuleType):
    """A module that is not installed: every attribute is a StandIn (and every submodule a StandInModule)."""

    _scorelint_stand_in = True

    def __getattr__(self, name):
        if name == "__version__":
            return VERSION
        if name == "__all__":
            return []  # `from x import *` imports nothing
        if _dunder(name) or name.startswith(("_scorelint", "_sl_")):
            raise AttributeError(name)
        value = _value(self.__name__ + "." + name)
        setattr(self, name, value)
        return value


def is_stand_in_module(module):
    return isinstance(module, StandInModule) or bool(getattr(module, "__dict__", {}).get("_scorelint_stand_in"))


# ==================================================================================================
# Finding stand-in values where they would make a document wrong
# ==================================================================================================
def stand_in_inside(value, budget=20000):
    """The first StandIn (its path) found in `value`: containers, numpy object arrays, DataFrames, and
    inference-schema parameter types (their samples), or None. Only type checks on what it meets (no
    attribute lookups that could run other code: frames hold half-built objects)."""
    numpy, pandas = sys.modules.get("numpy"), sys.modules.get("pandas")
    stack, seen = [value], set()
    while stack and budget > 0:
        budget -= 1
        item = stack.pop()
        if isinstance(item, StandIn):
            return _path(item) if type(item) is StandIn else "an instance of %s" % type(item).__qualname__
        if isinstance(item, (str, bytes, int, float, bool, type(None))) or id(item) in seen:
            continue
        seen.add(id(item))
        try:
            stack.extend(_parts(item, numpy, pandas, budget))
        except Exception:  # noqa: BLE001 - a broken or half-built object: nothing found in it
            continue
    return None


def _parts(item, numpy, pandas, budget):
    if isinstance(item, dict):
        if "__builtins__" in item and "__name__" in item:
            return ()  # a module's globals (exec's argument): every imported stand-in sits there
        return list(item.keys()) + list(item.values())
    if isinstance(item, (list, tuple, set, frozenset)):
        return list(item)
    if numpy is not None and isinstance(item, numpy.ndarray):
        return item.ravel()[:budget].tolist() if item.dtype.kind == "O" else ()
    if pandas is not None and isinstance(item, (pandas.DataFrame, pandas.Series)):
        frame = item.to_frame() if isinstance(item, pandas.Series) else item
        parts = list(frame.columns)
        for column in range(frame.shape[1]):
            series = frame.iloc[:, column]
            if series.dtype.kind == "O":
                parts.extend(series.tolist()[:budget])
        return parts
    if type(item).__module__.startswith("inference_schema"):
        return list(vars(item).values())
    return ()


def decorator_parts(function, limit=200):
    """What the decorators of `function` hold (inference-schema's parameter types sit in closures)."""
    found, stack, seen = [], [function], set()
    while stack and len(found) < limit:
        item = stack.pop()
        if id(item) in seen:
            continue
        seen.add(id(item))
        found.append(item)
        # Only into functions and wrapt's wrappers: the closures hold anything, and looking into an
        # arbitrary object could run its code.
        function = isinstance(item, types.FunctionType)
        if function or type(item).__module__.startswith("wrapt"):
            for name in ("__wrapped__", "_self_wrapper"):  # functools.wraps, wrapt's FunctionWrapper
                try:
                    stack.append(object.__getattribute__(item, name))
                except AttributeError:
                    pass
        for cell in (item.__closure__ or ()) if function else ():
            try:
                stack.append(cell.cell_contents)
            except ValueError:  # an empty cell
                pass
    return found


def stand_in_sample(run):
    """Where a schema sample of `run` is built from a stand-in value: the value's path, or None."""
    try:
        for part in decorator_parts(run):
            if type(part).__module__.startswith("inference_schema"):
                found = stand_in_inside(part)
                if found:
                    return found
    except Exception:  # noqa: BLE001 - private structures of other packages: best effort
        pass
    return None


class StandInLimit(Exception):
    """What a stand-in cannot do (the script's `run` is one): reported with the stand-in, never blamed on
    the script."""

    def __init__(self, message, value):
        super().__init__(message)
        self.stand_in = _path(value)


def stand_in_culprit(exc, limit=60):
    """The stand-in an exception involved (in its frames' locals or its arguments), or None: then the
    failure may come from the stand-in, not from the script."""
    try:
        return _culprit(exc, limit)
    except Exception:  # noqa: BLE001 - the report of the failure must not fail
        return None


def _culprit(exc, limit):
    if isinstance(exc, StandInLimit):
        return exc.stand_in
    seen = set()
    while exc is not None and id(exc) not in seen:
        seen.add(id(exc))
        found = stand_in_inside(list(exc.args), budget=200)
        if found:
            return found
        tb, frames, innermost = exc.__traceback__, 0, None
        while tb is not None and frames < limit:
            frames += 1
            innermost = tb.tb_frame
            # Functions' locals only: a module's are its globals, where every imported stand-in sits.
            if innermost.f_code.co_filename != __file__ and innermost.f_code.co_name != "<module>":
                found = stand_in_inside(list(innermost.f_locals.values()), budget=500)
                if found:
                    return found
            tb = tb.tb_next
        if innermost is not None and innermost.f_code.co_filename == __file__ and \
                innermost.f_code.co_name != "import_with":
            return "a stand-in"  # raised by a stand-in itself
        exc = exc.__cause__ or exc.__context__
    return None


# ==================================================================================================
# The finder, and importing the script with it
# ==================================================================================================
class AbsentModules:
    """Last on sys.meta_path: stands in for the modules `admit` let in, and for their submodules."""

    def __init__(self, script, enabled=True):
        self.script = os.path.realpath(script)
        self.enabled = enabled
        self.admitted = set()
        self.made = set()  # the modules this finder made
        self.used = {}  # stood-in module -> the line of the script that imported it first (or None)

    # --- the import system's side ---
    def find_spec(self, fullname, path=None, target=None):
        if not self.enabled:
            return None
        parent = fullname.rpartition(".")[0]
        if fullname not in self.admitted and not (parent and is_stand_in_module(sys.modules.get(parent))):
            return None
        import importlib.machinery

        spec = importlib.machinery.ModuleSpec(fullname, self, is_package=True)
        spec.submodule_search_locations = []
        # Named once: a package let in, or a submodule of the azureml stand-ins (azureml.automl), not the
        # submodules of a stood-in package.
        if (fullname in self.admitted or parent not in self.made) and fullname not in self.used:
            self.used[fullname] = self._script_line()
        self.made.add(fullname)
        return spec

    def create_module(self, spec):
        return StandInModule(spec.name)

    def exec_module(self, module):
        module.__file__ = None

    def _script_line(self):
        frame = sys._getframe(1)
        while frame is not None:
            if frame.f_code.co_filename == self.script or os.path.realpath(frame.f_code.co_filename) == self.script:
                return frame.f_lineno
            frame = frame.f_back
        return None

    # --- deciding what to stand in for ---
    def admit(self, exc):
        """Let in the missing module behind `exc` (or behind an exception raised while handling it);
        False when there is none that may be stood in."""
        if not self.enabled:
            return False
        seen = set()
        while exc is not None and id(exc) not in seen:
            seen.add(id(exc))
            if isinstance(exc, ModuleNotFoundError) and self._may_stand_in(getattr(exc, "name", None)):
                self.admitted.add(exc.name)
                return True
            exc = exc.__cause__ or exc.__context__
        return False

    def _may_stand_in(self, name):
        if not isinstance(name, str) or not name or name in self.admitted or name.startswith(("_scorelint", ".")):
            return False
        top = name.partition(".")[0]
        if top in NEVER:
            return False
        parent = name.rpartition(".")[0]
        if parent:  # a submodule: only of a namespace package (azureml), never of an installed package
            module = sys.modules.get(parent)
            spec = getattr(module, "__spec__", None)
            return module is not None and getattr(module, "__file__", None) is None and spec is not None and \
                spec.origin in (None, "namespace") and not is_stand_in_module(module)
        import importlib.util

        try:
            return importlib.util.find_spec(name) is None  # really absent (all the real finders say so)
        except (ImportError, ValueError):
            return False

    def import_with(self, attempt, forget):
        """`attempt()` (the script's import), again after each missing module is let in; `forget()`
        clears what a failed attempt left behind."""
        rounds = 0
        while True:
            try:
                return attempt()
            except BaseException as exc:  # noqa: BLE001 - SystemExit from `except ImportError: sys.exit()` too
                if rounds >= MAX_ROUNDS or not self.admit(exc):
                    raise
                rounds += 1
                forget()

    def report(self):
        """[{"module": name, "line": line}] in the order they were first imported."""
        return [{"module": name, "line": line} for name, line in self.used.items()]


def forget_script(module_name):
    """What a failed import of the script left: its module, and its schemas in inference-schema."""
    sys.modules.pop(module_name, None)
    util = sys.modules.get("inference_schema.schema_util")
    for registry in (getattr(util, "__functions_schema__", None), getattr(util, "__versions__", None)):
        if isinstance(registry, dict):
            for key in [k for k in registry if str(k).startswith(module_name + ".")]:
                del registry[key]


def upgrade_azureml(finder):
    """The azureml stand-ins define a few names (rawhttp, AMLResponse, Model...): with stand-ins on, any
    other name of theirs (`from azureml.core import Workspace`) is a StandIn too."""
    finder.create_module = lambda spec: StandInModule(spec.name)
