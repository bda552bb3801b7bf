"""The code the grader runs inside a kernel it grades (student or solution).

The grader sends this file's source to the kernel once, after the notebook
has run, then calls ``__dlcourse_probe__`` with a JSON request per part.  The
function evaluates the part's function, variables or model on the inputs in
the request and returns a JSON string of plain float arrays, tagged with the
request's secret.

Nothing here is trusted: the kernel runs the student's code, which can
replace this function or anything it uses.  The grader therefore treats the
reply as untrusted data (size-capped, parsed as JSON, forced to float arrays)
and judges it against the solution in its own process.  A kernel that lies
can only return numbers, and numbers only score if they are right for
inputs it could not know in advance.  This function judges nothing itself:
where a part forbids changing the arrays a function is given, it sends the
arrays back as they are after the call, and the grader compares them with
the ones it sent (a kernel that forges even those is the one thing a reply
can hide; docs/instructor-guide.md, "What the grader cannot tell").
"""


def __dlcourse_probe__(request_json):
    import json
    import types

    import numpy as np

    from dlcourse.frameworks import predict, to_numpy

    request = json.loads(request_json)
    namespace = globals()
    max_values = request["max_values"]

    def decode(arg):
        array = np.asarray(arg["data"], dtype=float).reshape(arg["shape"])
        return float(array) if array.ndim == 0 else array

    def arrays_of(result, top=True):
        """A tuple's items are separate values; so are a list's when they do
        not make one array (arrays of different shapes, such as [w, b])."""
        if isinstance(result, (tuple, list)):
            if isinstance(result, list) or not top:
                try:
                    return [to_numpy(result)]
                except Exception:  # not one array: item by item
                    pass
            return [array for item in result for array in arrays_of(item, top=False)]
        return [to_numpy(result)]

    def encode(result):
        arrays = arrays_of(result)
        if sum(a.size for a in arrays) > max_values:
            raise ValueError(f"the answer has more than {max_values} numbers")
        return [{"shape": list(a.shape), "data": a.ravel().tolist()} for a in arrays]

    def lookup(name):
        if name not in namespace:
            raise NameError(f"name '{name}' is not defined (did its cell run?)")
        return namespace[name]

    def as_sent(args):
        """The arguments as they are now (after the call); anything but an
        array is None, which the grader counts as changed where it sent an
        array.  (A notebook that replaces NumPy's array type can forge even
        these: that is code written to, docs/instructor-guide.md.)"""
        return [{"shape": list(arg.shape), "data": arg.ravel().tolist()}
                if type(arg) is np.ndarray else None for arg in args]

    # The solution's own functions of other parts, put in place of the
    # notebook's while the probed function runs (Part.stand_ins): under
    # their names, and inside the notebook's function objects themselves.
    stand_ins = {}
    for name, source in request.get("stand_ins", []):
        scope = {"np": np}
        exec(source, scope)
        stand_ins[name] = scope[name]

    # The last function each probed name held after a cell (one the notebook
    # defined before one imported), where a later cell left the name
    # holding something else (probe.keeper_arguments): put back while the
    # probed function runs, and said in the reply of the part it answers.
    own = namespace.get("__dlcourse_own__")  # probe.keeper_arguments's
    if not callable(own):
        own = lambda value: False  # noqa: E731 (only a name given a non-function is restored)
    kept = namespace.get("__dlcourse_kept__")
    restored = {}
    for name, value in (kept.items() if type(kept) is dict else ()):
        now = namespace.get(name)
        try:
            if type(name) is str and callable(value) and value is not now and (
                    not callable(now) or (own(value) and not own(now))):
                restored[name] = value
        except Exception:  # the kernel's own objects: whatever they do, nothing is restored
            continue
    if request["kind"] != "call":
        restored = {}
    swapped = {**restored, **stand_ins}

    def redirect(function, stand_in, key):
        """Make the notebook's own ``function`` call ``stand_in`` until the
        returned undo is called: a probed function that reached it through
        another name (an alias, a default argument, functools.partial, a
        closure, an object's attribute) calls the solution's version too.
        None where that cannot be done (not a plain function, or one with
        free variables, whose code cannot be swapped)."""
        if type(function) is not types.FunctionType or function.__code__.co_freevars:
            return None
        home = function.__globals__
        code, defaults, kwdefaults = function.__code__, function.__defaults__, function.__kwdefaults__
        had, old = key in home, home.get(key)
        home[key] = stand_in
        function.__code__ = trampoline(key)
        function.__defaults__ = function.__kwdefaults__ = None

        def undo():
            function.__code__, function.__defaults__ = code, defaults
            function.__kwdefaults__ = kwdefaults
            if had:
                home[key] = old
            else:
                home.pop(key, None)
        return undo

    def trampoline(key):
        scope = {}
        exec(f"def _(*args, **kwargs):\n    return {key}(*args, **kwargs)\n", scope)
        return scope["_"].__code__

    def call(function, args):
        saved = {name: namespace[name] for name in swapped if name in namespace}
        undos = []
        try:
            for number, (name, stand_in) in enumerate(stand_ins.items()):
                # The name's function now, and the one the keeper put back
                # where a later cell gave the name another value.
                mine = [saved.get(name)]
                if restored.get(name) is not None and restored[name] is not mine[0]:
                    mine.append(restored[name])
                for which, replaced in enumerate(mine):
                    try:
                        undos.append(redirect(replaced, stand_in,
                                              f"__dlcourse_stand_in_{number}_{which}__"))
                    except Exception:  # the kernel's own objects: swapped by name only
                        continue
            namespace.update(swapped)
            return function(*args)
        finally:
            for undo in reversed(undos):
                if undo is not None:
                    undo()
            for name in swapped:
                if name in saved:
                    namespace[name] = saved[name]
                else:
                    namespace.pop(name, None)

    kind, names = request["kind"], request["names"]
    report_inputs = request.get("report_inputs", False)
    answers = []
    for case in request["cases"]:
        args = tuple(decode(arg) for arg in case)
        after = None
        try:
            if kind == "call":
                result = call(restored[names[0]] if names[0] in restored else lookup(names[0]), args)
                if report_inputs:
                    after = as_sent(args)
            elif kind == "read" and len(names) == 1:
                result = lookup(names[0])  # a tuple of arrays is several values
            elif kind == "read":
                result = tuple(lookup(name) for name in names)
            else:
                result = predict(lookup(names[0]), args[0])
            answer = {"values": encode(result)}
            if after is not None:
                answer["after"] = after
            answers.append(answer)
        except Exception as error:  # the student's error is the answer
            text = f"{type(error).__name__}: {error}"
            answers.append({"error": text[:2000]})  # probe.MAX_ERROR_SENT
    reply = {"secret": request["secret"], "answers": answers}
    if names[0] in restored:
        reply["restored"] = [names[0]]
    return json.dumps(reply)
