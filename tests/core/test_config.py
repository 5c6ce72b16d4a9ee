"""Config: file + env precedence, validation with the file named, nothing written on read."""

from __future__ import annotations

import pytest

from core.config import config_path, effective_values, load, read_file
from core.errors import ConfigError


def test_defaults_without_a_file_and_nothing_is_created() -> None:
    config = load(env={})
    assert config.research.rounds == 3
    assert config.graph.backend == "ladybug"
    assert not config_path().exists()
    assert len(config.missing_keys()) == 2


def test_env_overrides_the_file(tmp_path) -> None:
    path = tmp_path / "c.toml"
    path.write_text('[gemini]\napi_key = "file-key-0000"\nmodel = "m1"\n', encoding="utf-8")
    config = load(path, env={"GOOGLE_API_KEY": "env-key-1234", "GEMINI_MODEL": "m2"})
    assert config.gemini.api_key == "env-key-1234"
    assert config.gemini.model == "m2"
    assert config.file_values["gemini"]["api_key"] == "file-key-0000"
    assert "gemini.api_key" in config.env_keys
    shown = effective_values(config)
    assert shown["gemini"]["api_key"] == "…1234"


@pytest.mark.parametrize(
    ("text", "needle"),
    [
        (
            "[gemini]\nrpm = 'fast'\n",
            "gemini.rpm must be a whole number of at least 0 (got 'fast')",
        ),
        ("[nonsense]\nx = 1\n", "unknown table [nonsense]"),
        ("[research]\nrounds = 3\nbogus = 1\n", "unknown setting research.bogus"),
        ("[research\n", "line 1"),
    ],
)
def test_bad_files_name_the_file_and_the_problem(tmp_path, text: str, needle: str) -> None:
    path = tmp_path / "c.toml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(ConfigError) as info:
        read_file(path)
    assert str(path) in str(info.value)
    assert needle in str(info.value)
    assert path.read_text(encoding="utf-8") == text


def test_urls_in_config_show_lose_their_credentials() -> None:
    config = load(
        env={
            "NEO4J_URI": "bolt://neo:s3cretpw@db.example:7687",
            "GEMINI_BASE_URL": "https://gw.example/v1?key=tok123",
        }
    )
    shown = effective_values(config)
    assert shown["neo4j"]["uri"] == "bolt://…@db.example:7687"
    assert shown["gemini"]["base_url"] == "https://gw.example/v1?…"
    assert "s3cretpw" not in str(shown) and "tok123" not in str(shown)


@pytest.mark.parametrize(
    ("key", "value", "needle"),
    [
        ("breadth", "0", r"research.breadth must be a whole number from 1 to 10 \(got 0\)"),
        ("rounds", "-2", r"research.rounds must be a whole number from 1 to 20 \(got -2\)"),
    ],
)
def test_values_out_of_range_are_refused(tmp_path, key: str, value: str, needle: str) -> None:
    path = tmp_path / "c.toml"
    path.write_text(f"[research]\n{key} = {value}\n", encoding="utf-8")
    with pytest.raises(ConfigError, match=needle):
        read_file(path)


def test_choices_are_checked(tmp_path) -> None:
    path = tmp_path / "c.toml"
    path.write_text('[graph]\nbackend = "sqlite"\n', encoding="utf-8")
    with pytest.raises(ConfigError, match="ladybug, neo4j"):
        read_file(path)


@pytest.mark.parametrize(
    "uri",
    [
        "bolt://h:7687",
        "bolt+s://h",
        "bolt+ssc://h",
        "neo4j://h",
        "neo4j+s://u:p@h",
        "NEO4J+SSC://h",
    ],
)
def test_neo4j_uri_schemes_accepted(tmp_path, uri: str) -> None:
    path = tmp_path / "c.toml"
    path.write_text(f'[neo4j]\nuri = "{uri}"\n', encoding="utf-8")
    assert read_file(path)["neo4j"]["uri"] == uri
    assert load(tmp_path / "none.toml", env={"NEO4J_URI": uri}).neo4j.uri == uri


@pytest.mark.parametrize("uri", ["http://h:7474", "localhost:7687", "bolt+routing://h", "h"])
def test_neo4j_uri_schemes_refused_in_the_file(tmp_path, uri: str) -> None:
    path = tmp_path / "c.toml"
    path.write_text(f'[neo4j]\nuri = "{uri}"\n', encoding="utf-8")
    with pytest.raises(ConfigError) as info:
        read_file(path)
    assert str(path) in str(info.value)
    assert "neo4j.uri" in str(info.value) and "bolt://, bolt+s://" in str(info.value)


def test_neo4j_uri_scheme_refused_in_the_env_without_echoing_the_password(tmp_path) -> None:
    for uri in ("http://neo:s3cretpw@db.example:7474", "neo:s3cretpw@db.example:7687"):
        with pytest.raises(ConfigError) as info:
            load(tmp_path / "none.toml", env={"NEO4J_URI": uri})
        assert str(info.value).startswith("NEO4J_URI: neo4j.uri: a Neo4j URI must start with")
        assert "s3cretpw" not in str(info.value)


def test_an_empty_neo4j_uri_is_allowed(tmp_path) -> None:
    path = tmp_path / "c.toml"
    path.write_text('[neo4j]\nuri = ""\n', encoding="utf-8")
    assert read_file(path)["neo4j"]["uri"] == ""


@pytest.mark.parametrize(
    ("text", "needle"),
    [
        (
            "[research]\nrounds = 21\n",
            "research.rounds must be a whole number from 1 to 20 (got 21)",
        ),
        (
            "[research]\nbreadth = 11\n",
            "research.breadth must be a whole number from 1 to 10 (got 11)",
        ),
        (
            "[research]\nreview_queries = 'maybe'\n",
            "research.review_queries must be true or false (got 'maybe')",
        ),
        (
            "[tavily]\nsearch_depth = 'deep'\n",
            "tavily.search_depth must be one of: basic, advanced (got 'deep')",
        ),
        ("[tavily]\ntimeout_s = 0\n", "tavily.timeout_s must be a number of at least 1 (got 0)"),
    ],
)
def test_the_file_is_held_to_the_apps_limits(tmp_path, text: str, needle: str) -> None:
    path = tmp_path / "c.toml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(ConfigError) as info:
        read_file(path)
    # Every case sets its value on line 2, and the message says so (issue 10: it did not).
    assert str(info.value) == f"{path}, line 2: {needle}"


def test_the_app_forms_use_the_config_limits() -> None:
    """One source of truth: Home and Settings take their ranges from core.config."""
    from core.config import BREADTH_RANGE, LIMITS, ROUNDS_RANGE
    from tui.screens import home, settings

    assert LIMITS["research.rounds"] == ROUNDS_RANGE == (home.MIN_ROUNDS, home.MAX_ROUNDS)
    assert LIMITS["research.breadth"] == BREADTH_RANGE == (home.MIN_BREADTH, home.MAX_BREADTH)
    fields = {field.key: field for field in settings.FIELDS}
    for key, (low, high) in (
        ("research.rounds", ROUNDS_RANGE),
        ("research.breadth", BREADTH_RANGE),
    ):
        assert (fields[key].minimum, fields[key].maximum) == (low, high)
