"""Kernel side of the guards: sent as a cell's source before any student code (never imported).

:mod:`grading.sandbox.guards` reads this file's text. It records the pristine state of
everything a test depends on and leaves ``__dl_grading_restore__()`` in the kernel, which
puts it back and returns the names it had to restore (see ``guard.py``).
"""

def __dl_grading_capture():
    # builtins, math and operator are watched below through sys.modules.
    import builtins  # noqa: F401
    import math  # noqa: F401
    import operator  # noqa: F401
    import sys
    import types
    shell = get_ipython()  # noqa: F821
    for name in ("numpy", "numpy.testing", "numpy.linalg", "starter.gradient_check"):
        try:
            __import__(name)
        except Exception:
            pass
    watched = [m for n, m in list(sys.modules.items())
               if m is not None and (n in ("numpy", "starter", "builtins", "math", "operator")
                                     or n.startswith(("numpy.", "starter.")))]
    modules = [(m, dict(vars(m))) for m in watched]
    classes = []
    for owner in (shell, getattr(shell, "kernel", None)):
        if owner is not None:
            classes += [(c, dict(vars(c))) for c in type(owner).__mro__ if c is not object]
    sys_names = ("excepthook", "displayhook", "stdout", "stderr", "settrace", "setprofile",
                 "exit", "unraisablehook", "breakpointhook")
    sys_state = {n: getattr(sys, n) for n in sys_names if hasattr(sys, n)}
    shell_names = ("CustomTB", "custom_exceptions", "InteractiveTB", "SyntaxTB", "displayhook",
                   "display_pub", "showtraceback", "showsyntaxerror", "run_cell", "run_cell_async",
                   "run_ast_nodes", "run_code", "transform_cell", "should_run_async")
    shell_state = {n: shell.__dict__[n] for n in shell_names if n in shell.__dict__}
    lists = {n: list(getattr(shell, n)) for n in ("ast_transformers", "input_transformers_post",
                                                  "input_transformers_cleanup") if hasattr(shell, n)}
    manager = shell.input_transformer_manager
    manager_lists = {n: list(getattr(manager, n)) for n in ("cleanup_transforms", "line_transforms",
                                                           "token_transformers") if hasattr(manager, n)}
    events = {name: list(callbacks) for name, callbacks in shell.events.callbacks.items()}
    trusted = ("IPython", "ipykernel", "matplotlib", "ipympl", "ipywidgets")
    function_types = (types.FunctionType, types.MethodType, types.BuiltinFunctionType,
                      staticmethod, classmethod, property)

    def foreign(value):
        """Not set by IPython/ipykernel themselves (they swap input, excepthook ... per request)."""
        origin = getattr(value, "__module__", None) or type(value).__module__ or ""
        return not str(origin).startswith(trusted)

    def restore():
        import threading
        changed = []
        for module, saved in modules:
            current = vars(module)
            for key, value in saved.items():
                now = current.get(key, saved)
                # Functions and classes only: a module's own data (caches, settings) may change.
                if now is not value and callable(value) and (now is saved or foreign(now)):
                    setattr(module, key, value)
                    changed.append(f"{module.__name__}.{key}")
        for cls, saved in classes:
            current = vars(cls)
            for key, value in saved.items():
                if current.get(key, saved) is not value:
                    setattr(cls, key, value)
                    changed.append(f"{cls.__name__}.{key}")
            for key in [k for k in current if k not in saved]:
                if isinstance(current[key], function_types):
                    delattr(cls, key)
                    changed.append(f"{cls.__name__}.{key}")
        for owner in (shell, getattr(shell, "kernel", None)):
            if owner is None:
                continue
            for key in list(owner.__dict__):
                value = owner.__dict__[key]
                if (isinstance(value, function_types) and getattr(value, "__self__", None) is not owner
                        and hasattr(type(owner), key) and not (owner is shell and key in shell_state)):
                    del owner.__dict__[key]
                    changed.append(f"{type(owner).__name__}.{key} (instance)")
        for key, value in sys_state.items():
            if getattr(sys, key) is not value and foreign(getattr(sys, key)):
                setattr(sys, key, value)
                changed.append(f"sys.{key}")
        for key, value in shell_state.items():
            if shell.__dict__.get(key) is not value:
                shell.__dict__[key] = value
                changed.append(f"shell.{key}")
        if shell.CustomTB is not shell_state.get("CustomTB", shell.CustomTB) or shell.custom_exceptions:
            shell.set_custom_exc((), None)
            changed.append("shell.set_custom_exc")
        for key, value in lists.items():
            if getattr(shell, key) != value:
                getattr(shell, key)[:] = value
                changed.append(f"shell.{key}")
        for key, value in manager_lists.items():
            if getattr(manager, key) != value:
                getattr(manager, key)[:] = value
                changed.append(f"shell.input_transformer_manager.{key}")
        for name, callbacks in shell.events.callbacks.items():
            kept = [cb for cb in callbacks if cb in events.get(name, ())
                    or str(getattr(cb, "__module__", "")).startswith(trusted)]
            if kept != callbacks:
                callbacks[:] = kept
                changed.append(f"shell.events[{name}]")
        if sys.gettrace() is not None:
            changed.append("sys.settrace")
        sys.settrace(None)
        sys.setprofile(None)
        threading.settrace(None)
        threading.setprofile(None)
        # A failed memory bomb's arrays live on in the frames of the last traceback.
        for key in ("last_type", "last_value", "last_traceback", "last_exc"):
            if hasattr(sys, key):
                setattr(sys, key, None)
        return changed

    return restore


__dl_grading_restore__ = __dl_grading_capture()
del __dl_grading_capture
