"""Alembic migrations, driven from Python so no alembic.ini path games are needed."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:   # alembic (and mako under it, ~3 MB) is imported by the functions: web workers never migrate
    from alembic.config import Config

HERE = Path(__file__).resolve().parent


def alembic_config(sqlalchemy_url: str) -> Config:
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(HERE))
    config.set_main_option("path_separator", "os")
    config.set_main_option("version_locations", str(HERE / "versions"))
    config.attributes["sqlalchemy_url"] = sqlalchemy_url
    return config


def upgrade(sqlalchemy_url: str, revision: str = "head") -> None:
    from alembic import command

    command.upgrade(alembic_config(sqlalchemy_url), revision)


def downgrade(sqlalchemy_url: str, revision: str = "base") -> None:
    from alembic import command

    command.downgrade(alembic_config(sqlalchemy_url), revision)


def heads(sqlalchemy_url: str = "postgresql+psycopg://unused") -> list[str]:
    from alembic.script import ScriptDirectory

    return list(ScriptDirectory.from_config(alembic_config(sqlalchemy_url)).get_heads())


def new_revision(sqlalchemy_url: str, message: str, autogenerate: bool = True) -> None:
    from alembic import command

    command.revision(alembic_config(sqlalchemy_url), message=message, autogenerate=autogenerate)
