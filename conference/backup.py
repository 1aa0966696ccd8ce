"""Backup and restore: ``flask --app conference backup`` and ``restore``.

A backup is one ``.tar.gz`` (mode 0600: it holds personal data) with

- the database: PostgreSQL as ``pg_dump --format=custom`` of ``DATABASE_URL``; SQLite
  as a consistent copy made with SQLite's online backup API, so the server may keep
  running while it is taken;
- ``uploads/``: everything under ``UPLOAD_FOLDER`` (profile photos, session and booth
  materials, event and sponsor logos), which the database refers to by file name;
- ``manifest.json`` (written last): app version, the database's migration revision,
  database kind, creation time, file counts and sizes, the dump's size and sha256.

Left out on purpose: ``BADGE_FOLDER`` (bulk badge PDFs are rendered again from the
database by starting a new batch; they are large and repeat personal data the
database already holds), the job queue (transient), the mail outbox (the embedded
default's copy of sent mail) and the secret key (a credential: keep ``SECRET_KEY``
in your secret store, not next to the data).

The database is dumped first and the files copied after, so a file uploaded during
the backup may be in the archive without a row pointing to it (harmless); the
reverse, a row whose file is missing, needs a file deleted within those seconds.

``restore`` checks the manifest (format, database kind, a migration revision this
code knows, the dump's checksum, the file count and bytes) before it touches
anything, refuses a database that has rows or an upload folder that has files unless
given ``--yes``, then restores the database (PostgreSQL: ``pg_restore --clean
--if-exists`` in one transaction; SQLite: the backup API copies the archived
database over the live file, WAL included) and replaces the upload folder's
contents. Stop the app workers and job consumers first: a running server would
keep cached state and, on PostgreSQL, its open transactions block the restore.
"""

from __future__ import annotations

import hashlib
import io
import json
import os
import re
import shutil
import sqlite3
import subprocess
import tarfile
import tempfile
from datetime import UTC, datetime
from importlib import metadata
from pathlib import Path, PurePosixPath

import click
import sqlalchemy as sa
from alembic.script import ScriptDirectory
from alembic.util import CommandError
from flask import Flask, current_app

from conference.extensions import db, migrate

FORMAT = 1
MANIFEST = "manifest.json"
UPLOADS = "uploads"
DUMP_NAMES = {"postgresql": "database.pgdump", "sqlite": "database.sqlite3"}
_CHUNK = 1024 * 1024


class BackupError(Exception):
    """Something an operator has to fix; the message says what."""


# --- shared helpers -------------------------------------------------------------------------


def _kind() -> str:
    kind = db.engine.url.get_backend_name()
    if kind not in DUMP_NAMES:
        raise BackupError(f"Backups handle SQLite and PostgreSQL, not {kind}.")
    return kind


def _sqlite_path() -> Path:
    name = db.engine.url.database
    if not name or name == ":memory:" or name.startswith("file:"):
        raise BackupError("The SQLite database must be a file to back up or restore.")
    return Path(name)


def _libpq_target() -> tuple[str, dict[str, str]]:
    """The database as a libpq URI for pg_dump/pg_restore, with the password in the
    environment (``PGPASSWORD``) rather than on a command line anyone can read."""
    url = db.engine.url
    env = dict(os.environ)
    if url.password:
        env["PGPASSWORD"] = str(url.password)
    uri = url.set(drivername="postgresql", password=None).render_as_string(hide_password=False)
    return uri, env


def _tool(name: str) -> tuple[str, int, str]:
    """Path, major version and version line of ``pg_dump``/``pg_restore`` on PATH."""
    path = shutil.which(name)
    if path is None:
        raise BackupError(
            f"{name} is not on PATH: install the PostgreSQL client matching the server "
            "(Debian: postgresql-client-<major>, e.g. postgresql-client-15)."
        )
    line = subprocess.run([path, "--version"], capture_output=True, text=True, check=True).stdout
    match = re.search(r"\)\s*(\d+)", line) or re.search(r"(\d+)", line)
    return path, int(match.group(1)), line.strip()


def _server_major() -> int:
    number = int(db.session.execute(sa.text("SHOW server_version_num")).scalar_one())
    return number // 10000


def _revision() -> str | None:
    """The database's migration revision, or None before ``init-db``."""
    if not sa.inspect(db.engine).has_table("alembic_version"):
        return None
    revisions = db.session.execute(sa.text("SELECT version_num FROM alembic_version")).scalars()
    return ",".join(sorted(revisions)) or None


def _scripts() -> ScriptDirectory:
    return ScriptDirectory.from_config(migrate.get_config())


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        while chunk := fh.read(_CHUNK):
            digest.update(chunk)
    return digest.hexdigest()


def _anonymous(info: tarfile.TarInfo) -> tarfile.TarInfo:
    info.uid = info.gid = 0
    info.uname = info.gname = ""
    return info


def default_output() -> Path:
    stamp = datetime.now(UTC).strftime("%Y%m%d-%H%M%SZ")
    return Path(current_app.config["INSTANCE_PATH"]) / "backups" / f"conference-{stamp}.tar.gz"


# --- backup ---------------------------------------------------------------------------------


def _dump_postgresql(target: Path) -> dict:
    pg_dump, tool_major, version = _tool("pg_dump")
    server_major = _server_major()
    if tool_major < server_major:
        raise BackupError(
            f"pg_dump {tool_major} cannot dump a PostgreSQL {server_major} server: install "
            f"postgresql-client-{server_major} (Debian) and put its pg_dump first on PATH."
        )
    uri, env = _libpq_target()
    done = subprocess.run(
        [pg_dump, "--format=custom", "--file", str(target), "--dbname", uri],
        env=env,
        capture_output=True,
        text=True,
    )
    if done.returncode:
        raise BackupError(f"pg_dump failed: {done.stderr.strip()}")
    return {"tool": version, "server_major": server_major}


def _dump_sqlite(target: Path) -> dict:
    source_path = _sqlite_path()
    if not source_path.is_file():
        raise BackupError(f"There is no SQLite database at {source_path}.")
    # One step (pages=-1) reads one consistent snapshot; writers carry on under WAL.
    source = sqlite3.connect(source_path, timeout=30)
    copy = sqlite3.connect(target)
    try:
        source.backup(copy, pages=-1)
        copy.execute("PRAGMA journal_mode=DELETE")
        if copy.execute("PRAGMA quick_check").fetchone()[0] != "ok":
            raise BackupError("The SQLite copy failed its integrity check.")
    finally:
        copy.close()
        source.close()
    return {"tool": f"sqlite3 {sqlite3.sqlite_version}"}


def _add_uploads(tar: tarfile.TarFile, skip: set[Path]) -> dict:
    """Add every regular file under UPLOAD_FOLDER (symlinks are not followed)."""
    root = Path(current_app.config["UPLOAD_FOLDER"])
    folders: dict[str, dict[str, int]] = {}
    count = total = 0
    if root.is_dir():
        for path in sorted(root.rglob("*")):
            if path in skip or path.is_symlink() or not path.is_file():
                continue
            rel = path.relative_to(root)
            try:
                size = path.stat().st_size
                tar.add(path, f"{UPLOADS}/{rel.as_posix()}", recursive=False, filter=_anonymous)
            except FileNotFoundError:  # deleted while we walked: it is gone from the app too
                continue
            top = rel.parts[0] if len(rel.parts) > 1 else "."
            entry = folders.setdefault(top, {"count": 0, "bytes": 0})
            entry["count"] += 1
            entry["bytes"] += size
            count += 1
            total += size
    return {"count": count, "bytes": total, "folders": folders}


def create_backup(output: Path) -> dict:
    """Write the archive to ``output`` (refusing an existing file) and return its manifest.

    Side effects: creates ``output`` with mode 0600 (its folder with 0700 if new),
    written under a temporary name and renamed when complete.
    """
    kind = _kind()
    output = output.resolve()
    if output.exists():
        raise BackupError(f"{output} exists already: choose another name.")
    revision = _revision()
    if revision is None:
        raise BackupError("The database has no schema yet (run init-db): nothing to back up.")
    output.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    dump_name = DUMP_NAMES[kind]
    with tempfile.TemporaryDirectory(prefix="conference-backup-") as work:
        dump = Path(work) / dump_name
        details = _dump_postgresql(dump) if kind == "postgresql" else _dump_sqlite(dump)
        db.session.rollback()
        partial = output.with_name(f".{output.name}.partial")
        fd = os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        try:
            with os.fdopen(fd, "wb") as raw:
                with tarfile.open(fileobj=raw, mode="w:gz", compresslevel=6) as tar:
                    tar.add(dump, dump_name, filter=_anonymous)
                    files = _add_uploads(tar, skip={output, partial})
                    manifest = {
                        "format": FORMAT,
                        "app": "conference",
                        "app_version": metadata.version("conference"),
                        "created_at": datetime.now(UTC).isoformat(timespec="seconds"),
                        "database": {
                            "kind": kind,
                            "migration": revision,
                            "file": dump_name,
                            "bytes": dump.stat().st_size,
                            "sha256": _sha256(dump),
                            **details,
                        },
                        "files": files,
                    }
                    data = json.dumps(manifest, indent=2, sort_keys=True).encode()
                    info = _anonymous(tarfile.TarInfo(MANIFEST))
                    info.size = len(data)
                    info.mode = 0o600
                    info.mtime = int(datetime.now(UTC).timestamp())
                    tar.addfile(info, io.BytesIO(data))
                raw.flush()
                os.fsync(raw.fileno())
            partial.rename(output)
        except BaseException:
            partial.unlink(missing_ok=True)
            raise
    return manifest


# --- restore --------------------------------------------------------------------------------


def read_manifest(archive: Path) -> dict:
    """The archive's manifest, checked for format and this installation's database kind
    and migration history (the rest is checked while extracting)."""
    try:
        with tarfile.open(archive, "r:gz") as tar:
            member = tar.getmember(MANIFEST)
            manifest = json.loads(tar.extractfile(member).read())
    except (OSError, KeyError, tarfile.TarError, ValueError) as exc:
        raise BackupError(f"{archive} is not a backup made by this app: {exc}") from exc
    if manifest.get("format") != FORMAT or manifest.get("app") != "conference":
        raise BackupError(f"{archive} has a manifest this version does not understand.")
    kind = _kind()
    if manifest["database"]["kind"] != kind:
        raise BackupError(
            f"The archive holds a {manifest['database']['kind']} database; this installation "
            f"uses {kind}."
        )
    scripts = _scripts()
    for revision in manifest["database"]["migration"].split(","):
        try:
            known = scripts.get_revision(revision)
        except CommandError:
            known = None
        if known is None:
            raise BackupError(
                f"The archive's database is at migration {revision}, which this code does not "
                "know: it was made by a newer version of the app. Upgrade the app first."
            )
    return manifest


def _safe_member(name: str) -> PurePosixPath:
    path = PurePosixPath(name)
    if path.is_absolute() or ".." in path.parts:
        raise BackupError(f"The archive has an unsafe path: {name}")
    return path


def _extract(archive: Path, manifest: dict, work: Path, staging: Path) -> Path:
    """Unpack the dump into ``work`` and the uploads into ``staging``; check both
    against the manifest. Returns the dump's path."""
    dump_name = manifest["database"]["file"]
    dump = work / dump_name
    count = total = 0
    with tarfile.open(archive, "r:gz") as tar:
        for member in tar:
            path = _safe_member(member.name)
            if member.isdir() or member.name == MANIFEST:
                continue
            if not member.isreg():
                raise BackupError(f"The archive has something other than a file: {member.name}")
            if member.name == dump_name:
                target = dump
            elif path.parts[0] == UPLOADS and len(path.parts) > 1:
                target = staging.joinpath(*path.parts[1:])
                count += 1
                total += member.size
            else:
                raise BackupError(f"The archive has an unexpected file: {member.name}")
            target.parent.mkdir(parents=True, exist_ok=True)
            with tar.extractfile(member) as src, target.open("wb") as dst:
                shutil.copyfileobj(src, dst, _CHUNK)
    expected = manifest["database"]
    if not dump.is_file() or _sha256(dump) != expected["sha256"]:
        raise BackupError("The database dump is missing or does not match its checksum.")
    files = manifest["files"]
    if (count, total) != (files["count"], files["bytes"]):
        raise BackupError(
            f"The archive's uploads ({count} files, {total} bytes) do not match its manifest "
            f"({files['count']} files, {files['bytes']} bytes)."
        )
    return dump


def database_has_rows() -> list[str]:
    """The app's tables that hold at least one row (search-index internals, such as
    FTS5's always-filled config tables, do not count)."""
    existing = set(sa.inspect(db.engine).get_table_names())
    full = []
    with db.engine.connect() as conn:
        for table in db.metadata.sorted_tables:
            if (
                table.name in existing
                and conn.execute(sa.select(1).select_from(table).limit(1)).first()
            ):
                full.append(table.name)
    return full


def _dump_tables(pg_restore: str, dump: Path) -> set[str]:
    listing = subprocess.run(
        [pg_restore, "--list", str(dump)], capture_output=True, text=True, check=True
    ).stdout
    return set(re.findall(r"^\d+; \d+ \d+ TABLE \S+ (\S+) ", listing, re.MULTILINE))


def _restore_postgresql(dump: Path, manifest: dict) -> None:
    pg_restore, tool_major, _version = _tool("pg_restore")
    made_by = re.search(r"\)\s*(\d+)", manifest["database"].get("tool", ""))
    if made_by and tool_major < int(made_by.group(1)):
        raise BackupError(
            f"The dump was made by pg_dump {made_by.group(1)}; pg_restore {tool_major} cannot "
            f"read it: install postgresql-client-{made_by.group(1)}."
        )
    extra = set(sa.inspect(db.engine).get_table_names()) - _dump_tables(pg_restore, dump)
    if extra:
        raise BackupError(
            "The database has tables the archive does not ("
            + ", ".join(sorted(extra))
            + "): it is at a newer schema. Restore into a new, empty database instead."
        )
    db.session.remove()
    db.engine.dispose()
    uri, env = _libpq_target()
    done = subprocess.run(
        [
            pg_restore,
            "--clean",
            "--if-exists",
            "--no-owner",
            "--no-privileges",
            "--single-transaction",
            "--exit-on-error",
            "--dbname",
            uri,
            str(dump),
        ],
        env=env,
        capture_output=True,
        text=True,
    )
    if done.returncode:
        raise BackupError(f"pg_restore failed (nothing was changed): {done.stderr.strip()}")


def _restore_sqlite(dump: Path) -> None:
    target = _sqlite_path()
    source = sqlite3.connect(dump)
    try:
        if source.execute("PRAGMA quick_check").fetchone()[0] != "ok":
            raise BackupError("The archived SQLite database failed its integrity check.")
        db.session.remove()
        db.engine.dispose()
        target.parent.mkdir(parents=True, exist_ok=True)
        # The backup API writes through SQLite's own locking and WAL, unlike a file copy.
        live = sqlite3.connect(target, timeout=30)
        try:
            source.backup(live, pages=-1)
        finally:
            live.close()
    finally:
        source.close()


def _swap_uploads(root: Path, staging: Path) -> None:
    for entry in root.iterdir():
        if entry == staging:
            continue
        if entry.is_dir() and not entry.is_symlink():
            shutil.rmtree(entry)
        else:
            entry.unlink()
    for entry in staging.iterdir():
        entry.rename(root / entry.name)
    staging.rmdir()


def restore_backup(archive: Path, overwrite: bool = False) -> dict:
    """Restore ``archive`` into this installation's database and upload folder.

    Refuses (``BackupError``) before changing anything when the manifest does not fit,
    the archive is damaged, or the database has rows / the upload folder has files and
    ``overwrite`` is false. Returns the manifest.
    """
    manifest = read_manifest(archive)
    root = Path(current_app.config["UPLOAD_FOLDER"])
    root.mkdir(parents=True, exist_ok=True)
    if not overwrite:
        tables = database_has_rows()
        present = any(p.is_file() for p in root.rglob("*"))
        if tables or present:
            what = []
            if tables:
                what.append(f"the database has rows (in {', '.join(sorted(tables)[:5])}…)")
            if present:
                what.append(f"{root} has files")
            sentence = " and ".join(what)
            raise BackupError(
                sentence[0].upper()
                + sentence[1:]
                + ": give --yes to replace them with the archive."
            )
    with tempfile.TemporaryDirectory(prefix="conference-restore-") as work:
        staging = Path(tempfile.mkdtemp(prefix=".restore-", dir=root))
        try:
            dump = _extract(archive, manifest, Path(work), staging)
            if manifest["database"]["kind"] == "postgresql":
                _restore_postgresql(dump, manifest)
            else:
                _restore_sqlite(dump)
            _swap_uploads(root, staging)
        finally:
            if staging.exists():
                shutil.rmtree(staging)
    return manifest


# --- commands -------------------------------------------------------------------------------


def register_cli(app: Flask) -> None:
    @app.cli.command("backup")
    @click.option(
        "--output",
        type=click.Path(dir_okay=False, path_type=Path),
        help="Archive to write (default: instance/backups/conference-<UTC time>.tar.gz).",
    )
    def backup_command(output: Path | None) -> None:
        """Write the database and the uploaded files to one .tar.gz archive."""
        target = output or default_output()
        try:
            manifest = create_backup(target)
        except BackupError as exc:
            raise click.ClickException(str(exc)) from exc
        files = manifest["files"]
        click.echo(
            f"Backed up the {manifest['database']['kind']} database (migration "
            f"{manifest['database']['migration']}) and {files['count']} uploaded file(s), "
            f"{files['bytes']} bytes, to {target.resolve()}"
        )

    @app.cli.command("restore")
    @click.argument("archive", type=click.Path(exists=True, dir_okay=False, path_type=Path))
    @click.option(
        "--yes", is_flag=True, help="Replace a database that has rows and files already there."
    )
    def restore_command(archive: Path, yes: bool) -> None:
        """Restore a backup archive. Stop the app workers and job consumers first."""
        try:
            manifest = restore_backup(archive, overwrite=yes)
        except BackupError as exc:
            raise click.ClickException(str(exc)) from exc
        revision = manifest["database"]["migration"]
        click.echo(
            f"Restored the database (migration {revision}) and {manifest['files']['count']} "
            f"uploaded file(s) from the backup of {manifest['created_at']}."
        )
        if set(revision.split(",")) != set(_scripts().get_heads()):
            click.echo(
                "The archive predates this version's schema: run "
                "`flask --app conference init-db` to upgrade it."
            )
