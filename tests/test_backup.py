"""``flask backup`` and ``flask restore`` on the suite's database kind (TEST_DATABASE_URL).

Each test builds its own app on its own database (a SQLite file, or a fresh
PostgreSQL database) because a backup must see committed rows, which the suite's
rolled-back transaction never has: rows and an uploaded photo go in, an archive comes
out, the installation is changed or wiped, and the restore must bring back every
row of every table and the photo's bytes.
"""

from __future__ import annotations

import hashlib
import io
import json
import os
import shutil
import tarfile
from pathlib import Path

import pytest
import sqlalchemy as sa
from alembic.script import ScriptDirectory
from flask_migrate import upgrade
from PIL import Image

from conference import jobs
from conference.config import normalize_database_url
from conference.extensions import db, limiter, migrate, socketio
from conference.services.profiles import ProfileChanges, photo_path, update_profile
from tests import factories
from tests.conftest import make_test_app

ON_POSTGRES = os.environ.get("TEST_DATABASE_URL", "sqlite") != "sqlite"

if ON_POSTGRES and shutil.which("pg_dump") is None:
    pytest.skip(
        "pg_dump is not installed (Debian: postgresql-client matching the server's major "
        "version), so the PostgreSQL backup cannot run",
        allow_module_level=True,
    )


def _admin_engine(url: sa.URL) -> sa.Engine:
    return sa.create_engine(url.set(database="postgres"), isolation_level="AUTOCOMMIT")


def _recreate_pg(url: sa.URL) -> None:
    admin = _admin_engine(url)
    with admin.connect() as conn:
        conn.exec_driver_sql(f'DROP DATABASE IF EXISTS "{url.database}" WITH (FORCE)')
        conn.exec_driver_sql(f'CREATE DATABASE "{url.database}"')
    admin.dispose()


def _drop_pg(url: sa.URL) -> None:
    admin = _admin_engine(url)
    with admin.connect() as conn:
        conn.exec_driver_sql(f'DROP DATABASE IF EXISTS "{url.database}" WITH (FORCE)')
    admin.dispose()


class Installation:
    """An app with its own database and upload folder, and ways to wipe them."""

    def __init__(self, root: Path, worker: str):
        if ON_POSTGRES:
            base = sa.make_url(normalize_database_url(os.environ["TEST_DATABASE_URL"]))
            self.url = base.set(database=f"{base.database}_backup_{worker}_{os.getpid()}")
            _recreate_pg(self.url)
            uri = self.url.render_as_string(hide_password=False)
        else:
            self.url = sa.make_url(f"sqlite:///{root / 'live.db'}")
            uri = str(self.url)
        self.app = make_test_app(root, uri)
        self.uploads = Path(self.app.config["UPLOAD_FOLDER"])
        with self.app.app_context():
            upgrade()

    def run(self, *args: str):
        """Run a ``flask`` command as the console would, with no session left open."""
        # The command runs in the app context already pushed (the suite pushes its own).
        with self.app.app_context():
            db.session.remove()
            return self.app.test_cli_runner().invoke(args=list(args), catch_exceptions=False)

    def wipe(self) -> None:
        """Lose the database and the uploads (a dead disk, a new server)."""
        with self.app.app_context():
            db.session.remove()
            db.engine.dispose()
        if ON_POSTGRES:
            _recreate_pg(self.url)
        else:
            for suffix in ("", "-wal", "-shm"):
                Path(f"{self.url.database}{suffix}").unlink(missing_ok=True)
        shutil.rmtree(self.uploads)
        self.uploads.mkdir()

    def close(self) -> None:
        with self.app.app_context():
            db.session.remove()
            db.engine.dispose()
        if ON_POSTGRES:
            _drop_pg(self.url)


@pytest.fixture
def installation(tmp_path, monkeypatch, worker_id_safe):
    # create_app re-binds module-level extensions: put the session app's state back after.
    for name in ("enabled", "initialized", "_storage", "_limiter"):
        monkeypatch.setattr(limiter, name, getattr(limiter, name))
    monkeypatch.setattr(socketio, "server", socketio.server)
    monkeypatch.setattr(jobs, "_app", jobs._app)
    monkeypatch.setattr(jobs.huey, "storage", jobs.huey.storage)
    built = Installation(tmp_path / "site", worker_id_safe)
    yield built
    built.close()


def _seed(site: Installation) -> bytes:
    """An event, three participants (one with a photo); returns the photo's bytes."""
    with site.app.app_context():
        ev = factories.event(name="Backup Summit", slug="backup-summit")
        anna = factories.participant(ev, "Anna Archive", company="Tarball GmbH")
        factories.participant(ev, "Bo Byte")
        factories.participant(ev, "Cy Copy", status="pending")
        picture = io.BytesIO()
        Image.new("RGB", (300, 300), (20, 120, 200)).save(picture, "PNG")
        update_profile(anna, ProfileChanges(display_name="Anna Archive", photo=picture.getvalue()))
        db.session.commit()
        return photo_path(anna.profile.photo).read_bytes()


def _snapshot(site: Installation) -> dict[str, list[tuple]]:
    """Every row of every model table, in primary-key order."""
    with site.app.app_context(), db.engine.connect() as conn:
        return {
            table.name: [
                tuple(row)
                for row in conn.execute(sa.select(table).order_by(*table.primary_key.columns)).all()
            ]
            for table in db.metadata.sorted_tables
        }


def _upload_files(site: Installation) -> dict[str, bytes]:
    return {
        p.relative_to(site.uploads).as_posix(): p.read_bytes()
        for p in site.uploads.rglob("*")
        if p.is_file()
    }


def _code_head(site: Installation) -> str:
    with site.app.app_context():
        return ScriptDirectory.from_config(migrate.get_config()).get_current_head()


def _rewrite(archive: Path, out: Path, change) -> None:
    """Copy ``archive`` to ``out``, passing each member's bytes through ``change``."""
    with tarfile.open(archive, "r:gz") as src, tarfile.open(out, "w:gz") as dst:
        for member in src:
            data = change(member.name, src.extractfile(member).read())
            member.size = len(data)
            dst.addfile(member, io.BytesIO(data))


def test_backup_then_restore_over_a_changed_installation(installation, tmp_path):
    site = installation
    photo = _seed(site)
    rows = _snapshot(site)
    files = _upload_files(site)
    assert len(rows["users"]) == 3 and len(files) == 1
    archive = tmp_path / "nightly.tar.gz"

    made = site.run("backup", "--output", str(archive))

    assert made.exit_code == 0, made.output
    assert oct(archive.stat().st_mode & 0o777) == "0o600"
    with tarfile.open(archive, "r:gz") as tar:
        names = tar.getnames()
        manifest = json.loads(tar.extractfile("manifest.json").read())
        dump = tar.extractfile(manifest["database"]["file"]).read()
    kind = "postgresql" if ON_POSTGRES else "sqlite"
    assert manifest["format"] == 1
    assert manifest["database"]["kind"] == kind
    assert manifest["database"]["migration"] == _code_head(site)
    assert manifest["database"]["sha256"] == hashlib.sha256(dump).hexdigest()
    assert manifest["database"]["bytes"] == len(dump)
    assert manifest["files"]["count"] == 1
    assert manifest["files"]["bytes"] == len(photo)
    assert manifest["files"]["folders"] == {"photos": {"count": 1, "bytes": len(photo)}}
    assert sorted(names) == sorted(
        [manifest["database"]["file"], "manifest.json", *[f"uploads/{n}" for n in files]]
    )

    # Life goes on after the backup: a new account, a renamed one, a lost photo, a new file.
    with site.app.app_context():
        factories.user("Late Comer", email="late@example.test")
        db.session.execute(sa.text("UPDATE users SET display_name = 'Renamed' WHERE id = 1"))
        db.session.commit()
    for name in files:
        (site.uploads / name).unlink()
    (site.uploads / "materials").mkdir()
    (site.uploads / "materials" / "new.pdf").write_bytes(b"%PDF-1.4 after the backup")
    changed = _snapshot(site)

    refused = site.run("restore", str(archive))

    assert refused.exit_code == 1
    assert "--yes" in refused.output and "has rows" in refused.output
    assert _snapshot(site) == changed
    assert (site.uploads / "materials" / "new.pdf").exists()

    restored = site.run("restore", str(archive), "--yes")

    assert restored.exit_code == 0, restored.output
    assert _snapshot(site) == rows
    assert _upload_files(site) == files
    assert list(files.values()) == [photo]


def test_restore_into_a_wiped_installation_needs_no_yes(installation, tmp_path):
    site = installation
    photo = _seed(site)
    rows = _snapshot(site)
    files = _upload_files(site)
    archive = tmp_path / "before-the-disk-died.tar.gz"
    assert site.run("backup", "--output", str(archive)).exit_code == 0

    site.wipe()
    with site.app.app_context():
        upgrade()  # a new server: init-db has run, nobody has registered yet
    restored = site.run("restore", str(archive))

    assert restored.exit_code == 0, restored.output
    assert _snapshot(site) == rows
    assert _upload_files(site) == files
    assert list(files.values()) == [photo]


def test_backup_refuses_to_overwrite_an_archive(installation, tmp_path):
    archive = tmp_path / "taken.tar.gz"
    archive.write_bytes(b"an older backup")

    made = installation.run("backup", "--output", str(archive))

    assert made.exit_code == 1 and "exists already" in made.output
    assert archive.read_bytes() == b"an older backup"


def test_restore_checks_the_manifest_before_touching_anything(installation, tmp_path):
    site = installation
    _seed(site)
    archive = tmp_path / "good.tar.gz"
    assert site.run("backup", "--output", str(archive)).exit_code == 0
    with site.app.app_context():
        factories.user("Kept", email="kept@example.test")
    before = _snapshot(site)
    files = _upload_files(site)

    def future_schema(name, data):
        if name != "manifest.json":
            return data
        manifest = json.loads(data)
        manifest["database"]["migration"] = "ffffffffffff"
        return json.dumps(manifest).encode()

    def damaged_dump(name, data):
        return data[:-10] + b"0123456789" if name.startswith("database.") else data

    newer = tmp_path / "newer.tar.gz"
    _rewrite(archive, newer, future_schema)
    damaged = tmp_path / "damaged.tar.gz"
    _rewrite(archive, damaged, damaged_dump)

    from_newer = site.run("restore", str(newer), "--yes")
    from_damaged = site.run("restore", str(damaged), "--yes")
    notes = tmp_path / "notes.tar.gz"
    notes.write_text("not an archive at all")
    not_a_backup = site.run("restore", str(notes), "--yes")

    assert from_newer.exit_code == 1 and "newer version of the app" in from_newer.output
    assert from_damaged.exit_code == 1 and "checksum" in from_damaged.output
    assert not_a_backup.exit_code == 1 and "not a backup made by this app" in not_a_backup.output
    assert _snapshot(site) == before
    assert _upload_files(site) == files
    assert [p.name for p in site.uploads.iterdir() if p.name.startswith(".restore-")] == []
