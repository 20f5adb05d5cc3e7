"""The settings' sources: the .env file (read once, as UTF-8, with one clear line for each way it can fail) under
the environment; warnings for a file others may read and for names that are no setting."""

from __future__ import annotations

import codecs
import io
import os
import pwd
import stat
from collections.abc import Mapping
from pathlib import Path

from dotenv import dotenv_values

from pvs6sup.errors import ConfigError
from pvs6sup.settings.reader import Reader
from pvs6sup.settings.table import BY_NAME


def user_name(uid: int | None = None) -> str:
    """This user's name (or uid), for the fixes that say whose a file must be."""
    uid = os.geteuid() if uid is None else uid
    try:
        return pwd.getpwuid(uid).pw_name
    except KeyError:  # a uid with no name (a container, a deleted user)
        return str(uid)


def read_settings(env_file: Path | None, environ: Mapping[str, str], explicit: bool) -> dict[str, str | None]:
    """Merge the .env file under the environment. A missing file is an error only if asked for by name."""
    values: dict[str, str | None] = read_env_file(env_file, explicit) if env_file is not None else {}
    values.update(environ)
    return values


def read_env_file(env_file: Path, explicit: bool) -> dict[str, str | None]:
    """The settings in a .env file, read once (so /dev/null and a pipe such as <(echo ...) work).

    ConfigError, one line naming the file and the fix, when it cannot be read or is not UTF-8 text.
    """
    try:
        with open(env_file, "rb") as handle:
            data = handle.read()
    except FileNotFoundError as err:
        if not explicit:
            return {}  # no .env next to the script: the environment and the defaults are the settings
        raise ConfigError([f"--env-file: no such file: {env_file}"]) from err
    except IsADirectoryError as err:
        raise ConfigError([f"{env_file} is a directory, not a settings file; name a file such as .env"]) from err
    except PermissionError as err:
        user = user_name()
        fix = f"sudo chown {user}: {env_file} && chmod 600 {env_file}"
        raise ConfigError([f"{env_file}: {user} may not read it (permission denied); run: {fix}"]) from err
    except OSError as err:
        raise ConfigError([f"{env_file}: cannot be read: {err.strerror or err}"]) from err
    return dotenv_values(stream=io.StringIO(_env_text(env_file, data)), interpolate=False)


def _env_text(env_file: Path, data: bytes) -> str:
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)) or b"\x00" in data:
        raise ConfigError([f"{env_file} is UTF-16 text (as Windows Notepad may save it); save it as UTF-8"])
    try:
        return data.decode("utf-8-sig")  # a UTF-8 byte-order mark is harmless
    except UnicodeDecodeError as err:
        line = data[: err.start].count(b"\n") + 1
        raise ConfigError(
            [f"{env_file} line {line}: not UTF-8 text (byte 0x{data[err.start]:02x}); save the file as UTF-8"]
        ) from err


def env_file_warnings(env_file: Path | None) -> list[str]:
    """Warn when a file holding secrets can be read by other users."""
    if env_file is None or not env_file.is_file():
        return []
    mode = env_file.stat().st_mode
    if mode & (stat.S_IRWXG | stat.S_IRWXO):
        return [f"{env_file} is readable by other users; run: chmod 600 {env_file}"]
    return []


def data_dir_setting(values: Mapping[str, str | None], script_dir: Path) -> Path:
    """DATA_DIR as load_config takes it (relative to the script's folder); read alone so that the
    log file can be opened there even when other settings are invalid."""
    data_dir = Reader(values).path("DATA_DIR", script_dir)
    assert data_dir is not None  # it has a default
    return data_dir


def known_setting_names() -> frozenset[str]:
    """Every setting's name, from the table."""
    return frozenset(BY_NAME)


def unknown_setting_warnings(file_values: Mapping[str, str | None], env_file: Path) -> list[str]:
    """One warning per name in the .env file that no setting has, suggesting the closest one.

    Only the file's names: the environment is full of unrelated variables (GOOGLE_APPLICATION_CREDENTIALS...).
    """
    known = known_setting_names()
    warnings = []
    for name in file_values:
        if name in known:
            continue
        import difflib  # only for an unknown name: a cron run has none

        close = difflib.get_close_matches(name.upper(), known, n=1, cutoff=0.75)
        if close:
            warnings.append(f"{env_file}: {name} is not a setting: did you mean {close[0]}?")
        else:
            warnings.append(f"{env_file}: {name} is not a setting; see config.example.env for the settings")
    return warnings
