"""Settings, from environment variables prefixed ``CALLSENTRY_`` (or a ``.env`` file).

Loaded once per process through :func:`get_settings`; tests build their own ``Settings(...)``.
"""

from __future__ import annotations

import importlib.util
import json
from enum import Enum, StrEnum
from functools import lru_cache
from pathlib import Path
from typing import Annotated, Any, Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import Field, SecretStr, field_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

from pipeline.models import Severity
from pipeline.redaction.modes import OriginalAction, RedactionMode

PROJECT_ROOT = Path(__file__).resolve().parent.parent
CHECKOUT_RULES_DIR = PROJECT_ROOT / "rules"  # the packs in a source checkout
BUNDLED_RULES_PACKAGE = "pipeline.bundled_rules"  # the same packs inside an installed wheel
ASR_PROMPT_MAX_CHARS = 100  # a decoder prompt holds at most 223 tokens; stay well inside


def bundled_rules_dir() -> Path:
    """The rule packs shipped with callsentry: ``rules/`` of a checkout (editable install or
    tests), else the copy inside the installed wheel."""
    if CHECKOUT_RULES_DIR.is_dir():
        return CHECKOUT_RULES_DIR
    spec = importlib.util.find_spec(BUNDLED_RULES_PACKAGE)
    if spec is not None and spec.submodule_search_locations:
        return Path(next(iter(spec.submodule_search_locations)))
    return CHECKOUT_RULES_DIR  # neither: the preflight reports the missing folder by this name


DEFAULT_RULES_DIR = bundled_rules_dir()
DEFAULT_REFUSAL_EXPIRY_DAYS = 730  # days a marketing refusal counts (two years)


class Language(StrEnum):
    """The language of a batch: detected per call, or fixed."""

    AUTO = "auto"
    ZH = "zh"
    EN = "en"


class AsrBackendName(StrEnum):
    """The speech-recognition engine (see ``pipeline/asr/backends/``)."""

    OPENAI_WHISPER = "openai-whisper"  # torch; the reference
    FASTER_WHISPER = "faster-whisper"  # CTranslate2; the fast path


class Device(StrEnum):
    """Where the ASR model runs: ``auto`` takes a CUDA GPU when the engine sees one."""

    AUTO = "auto"
    CPU = "cpu"
    CUDA = "cuda"


class VadName(StrEnum):
    """The voice-activity gate in front of the ASR engine."""

    SILERO = "silero"  # neural; tells speech from music and noise (default)
    ENERGY = "energy"  # frame energy against the channel's noise floor (fallback)


class ComputeType(StrEnum):
    """Numeric precision of the faster-whisper engine: ``auto`` = int8 on CPU, float16 on GPU."""

    AUTO = "auto"
    INT8 = "int8"
    INT8_FLOAT16 = "int8_float16"
    FLOAT16 = "float16"
    FLOAT32 = "float32"


class SmtpSecurity(StrEnum):
    """How the SMTP connection is protected."""

    NONE = "none"
    STARTTLS = "starttls"
    SSL = "ssl"


class Settings(BaseSettings):
    """Every knob of callsentry. Each field is ``CALLSENTRY_<NAME>`` in the environment."""

    model_config = SettingsConfigDict(env_prefix="CALLSENTRY_", env_file=".env", extra="ignore")

    # --- ASR -------------------------------------------------------------------------------
    model: str = Field(
        "base", description="base | tiny.en | an official name | a .pt file | a CTranslate2 folder"
    )
    model_dir: Path = Field(
        Path.home() / ".cache" / "callsentry", description="where converted weights are cached"
    )
    asr_backend: AsrBackendName = Field(
        AsrBackendName.OPENAI_WHISPER, description="openai-whisper | faster-whisper"
    )
    device: Device = Field(Device.AUTO, description="auto | cpu | cuda")
    compute_type: ComputeType = Field(
        ComputeType.AUTO, description="faster-whisper precision; auto = int8 CPU, float16 GPU"
    )
    vad: VadName = Field(VadName.SILERO, description="silero | energy (voice-activity gate)")
    language: Language = Field(Language.AUTO, description="auto, zh or en: fixed for a batch")
    beam_size: int = Field(5, ge=1, le=10, description="1 = greedy (faster, less accurate)")
    threads: int = Field(0, ge=0, description="torch threads; 0 = all cores")

    # --- audio -----------------------------------------------------------------------------
    agent_channel: int = Field(0, ge=0, le=1, description="stereo channel holding the agent")
    max_duration_s: float = Field(4 * 3600.0, gt=0, description="longer recordings are refused")

    # --- PII and masking -------------------------------------------------------------------
    masking_policy: Path | None = Field(None, description="YAML masking policy; None = default")
    pseudonym_key: SecretStr = Field(
        SecretStr(""), description="HMAC key for consistent pseudonyms; keep it out of the output"
    )

    # --- rules -----------------------------------------------------------------------------
    rules_dir: Path = Field(DEFAULT_RULES_DIR, description="folder of YAML rule packs")

    # --- call records ----------------------------------------------------------------------
    timezone: str = Field(
        "Asia/Shanghai", description="the call centre's time zone: naive call times are read in it"
    )

    # --- storage and output ----------------------------------------------------------------
    out_dir: Path = Field(Path("callsentry-out"), description="masked transcripts, reports")
    database_url: str | None = Field(
        None, description="SQLAlchemy URL; default sqlite:///<out_dir>/callsentry.db"
    )

    # --- audit -----------------------------------------------------------------------------
    audit_key: SecretStr = Field(
        SecretStr(""), description="HMAC key of the audit chain; keep it out of the database"
    )
    audit_key_file: Path = Field(
        Path.home() / ".config" / "callsentry" / "audit.key",
        description="where the audit key is kept (made on first use) when audit_key is empty",
    )
    audit_head_file: Path | None = Field(
        None, description="the signed head of the audit chain; default <out_dir>/audit-head.json"
    )

    # --- alerts ----------------------------------------------------------------------------
    alert_min_severity: Severity = Field(Severity.HIGH, description="per-call alert threshold")
    smtp_host: str | None = None
    smtp_port: int = 25
    smtp_security: SmtpSecurity = Field(SmtpSecurity.NONE, description="none | starttls | ssl")
    smtp_username: str | None = None
    smtp_password: SecretStr | None = None
    smtp_timeout_s: float = 10.0
    mail_from: str = "callsentry@localhost"
    mail_to: Annotated[list[str], NoDecode] = Field(
        default_factory=list, description="JSON list or comma-separated"
    )
    webhook_url: str | None = None

    # --- schedule --------------------------------------------------------------------------
    schedule_cron: str = Field("0 2 * * *", description="nightly batch, cron syntax")
    schedule_timezone: str = "Asia/Shanghai"
    recordings_dir: Path = Field(Path("recordings"), description="what the schedule processes")
    schedule_cdr_file: Path | None = Field(
        None,
        description="call-detail records (CSV) the nightly run checks, as `run --cdr`; "
        "None = words only",
    )

    # --- console ---------------------------------------------------------------------------
    console_secret: SecretStr = Field(
        SecretStr(""), description="key that signs session cookies; required to start the console"
    )
    console_sample_share: float = Field(
        0.1, ge=0.0, le=1.0, description="share of non-critical calls assigned for review"
    )
    console_login_max_failures: int = Field(
        5, ge=1, description="failed logins per user name (or client) in the window before refusal"
    )
    console_login_window_s: float = Field(
        300.0, gt=0, description="seconds over which failed logins are counted"
    )
    console_session_max_age_s: int = Field(
        8 * 3600, gt=0, description="seconds a console session lasts"
    )
    console_teams: dict[str, list[str]] = Field(
        default_factory=dict, description='teams for the dashboards: {"team": ["agent id", ...]}'
    )
    console_secure_cookies: bool = Field(
        False, description="send the session cookie over HTTPS only (behind a TLS proxy)"
    )

    # --- ASR prompts: simplified, punctuated Chinese ---------------------------------------
    # Text given to the decoder before every 30 s window (Whisper's initial prompt, carried):
    # Whisper writes in the script and style of its prompt. Never a sentence a call could
    # contain: a segment that repeats the prompt is dropped by the guards. "" = no prompt.
    asr_prompt_zh: str = Field(
        "以下是普通话的句子，使用简体中文。",
        max_length=ASR_PROMPT_MAX_CHARS,
        description="decoder prompt for Mandarin: simplified characters with punctuation",
    )
    asr_prompt_en: str = Field(
        "", max_length=ASR_PROMPT_MAX_CHARS, description="decoder prompt for English; '' = none"
    )

    # --- mono calls: two speakers and their roles ------------------------------------------
    # A mono recording's speech is cut into turns, clustered into two voices and the voices
    # named agent / customer from what they say; turns whose role is less certain than
    # mono_min_confidence stay "unknown" (pipeline/asr/speakers/).
    mono_split: bool = Field(
        True, description="on | off: split mono calls into agent and customer turns"
    )
    mono_features: Literal["spectral", "resemblyzer"] = Field(
        "spectral", description="voice features: spectral (MFCC, pitch) | resemblyzer (encoder)"
    )
    mono_min_confidence: float = Field(
        0.6, ge=0.5, le=1.0, description="role probability under which a mono turn stays unknown"
    )

    # --- audio redaction and retention -----------------------------------------------------
    redact_audio: bool = Field(True, description="write redacted.flac next to each transcript")
    redaction_mode: RedactionMode = Field(RedactionMode.BEEP, description="beep | silence")
    redaction_padding_s: float = Field(
        0.25, ge=0.0, le=5.0, description="seconds added before and after each redacted span"
    )
    redaction_merge_gap_s: float = Field(
        0.5, ge=0.0, le=10.0, description="spans of one channel closer than this become one"
    )
    original_after_check: OriginalAction = Field(
        OriginalAction.KEEP,
        description="keep | move | delete the original recording after a successful check "
        "(delete only once the redacted copy is written and verified)",
    )
    original_move_dir: Path | None = Field(
        None, description="where `move` puts originals; default <out_dir>/originals"
    )
    retention_redacted_audio_days: int | None = Field(
        None, ge=0, description="delete redacted recordings older than this; None = never"
    )
    retention_transcripts_days: int | None = Field(
        None, ge=0, description="delete masked transcript files older than this; None = never"
    )
    retention_findings_days: int | None = Field(
        None, ge=0, description="delete stored calls and findings older than this; None = never"
    )
    retention_schedule_cron: str = Field("30 3 * * *", description="daily retention run, cron")

    # --- call records (CDR) ----------------------------------------------------------------
    # See pipeline/records/ and docs/call-records.md; the time zone is ``timezone`` above.
    number_registry: Path | None = Field(
        None, description="CSV of registered lines: number,purposes,valid_from,valid_to"
    )
    workday_calendar: Path | None = Field(
        None, description="CSV date,kind (workday | restday) overriding the weekend default"
    )
    calling_hours: dict[str, dict[str, str]] = Field(
        default_factory=lambda: {
            "collection": {"workday": "08:00-20:00", "restday": "09:00-18:00"}
        },
        description='per purpose and kind of day: {"marketing": {"workday": "09:00-20:00"}}',
    )
    contact_caps: dict[str, dict[str, int]] = Field(
        default_factory=lambda: {"collection": {"day": 3}},
        description='contacts per customer and purpose: {"collection": {"day": 3, "week": 10}}',
    )
    refusal_expiry_days: int = Field(
        DEFAULT_REFUSAL_EXPIRY_DAYS,
        description="days (of 24 hours) a marketing refusal counts for the customer's later "
        "calls; 0 = it never expires",
    )

    # --- scale-out -------------------------------------------------------------------------
    claim_ttl_s: float = Field(
        3600.0,
        gt=0,
        description="seconds a worker's claim on a recording lasts unless renewed (it is "
        "renewed after transcription); a claim of a dead process on this host ends at once",
    )

    # --- work pool (task "pool", #12): `callsentry serve --pool NAME` ---------------------
    pool_shards: int = Field(
        2,
        ge=1,
        description="shard runs the nightly run on a work pool is split into (by file name); "
        "at least the number of pool workers, so that each takes part of the recordings",
    )

    # --- fwbatch (#16): faster-whisper's windows decoded as a batch ------------------------
    asr_batch_size: int = Field(
        1,
        ge=1,
        le=32,
        description="faster-whisper: 30 s windows of a call decoded at once (a window failing "
        "the guards' thresholds is decoded again on its own, with fallback); 1 = sequential",
    )

    @field_validator("*", mode="before")
    @classmethod
    def _enum_case(cls, value: Any, info: Any) -> Any:
        """Enum settings are read case-insensitively (``High`` is ``high``)."""
        field = cls.model_fields.get(info.field_name)
        annotation = getattr(field, "annotation", None)
        if isinstance(value, str) and isinstance(annotation, type) and issubclass(annotation, Enum):
            return value.strip().lower()
        return value

    @field_validator("refusal_expiry_days", mode="before")
    @classmethod
    def _whole_days(cls, value: Any) -> Any:
        """A whole number of days, 0 or more (``730``; not ``-1``, ``1.5`` or ``two``)."""
        text = str(value).strip() if isinstance(value, str | int) else None
        if isinstance(value, bool) or text is None or not text.isdigit():
            raise ValueError(
                f"{value!r} is not a whole number of days, 0 or more (0: a refusal never expires)"
            )
        return int(text)

    @field_validator("timezone", "schedule_timezone")
    @classmethod
    def _known_zone(cls, value: str) -> str:
        """An IANA time zone name such as ``Asia/Shanghai``."""
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError) as exc:
            raise ValueError(f"unknown time zone {value!r} (use an IANA name)") from exc
        return value

    @field_validator("mail_to", mode="before")
    @classmethod
    def _split_mail_to(cls, value: Any) -> Any:
        """Accept a JSON list (``["a@x", "b@y"]``) or a comma-separated string (``a@x, b@y``)."""
        if isinstance(value, str):
            text = value.strip()
            if text.startswith("["):
                return json.loads(text)
            return [part.strip() for part in text.split(",") if part.strip()]
        return value

    def resolved_audit_head_file(self) -> Path:
        """Where the audit chain's signed head is anchored."""
        return self.audit_head_file or self.out_dir / "audit-head.json"

    def resolved_database_url(self) -> str:
        """The database URL, defaulting to a SQLite file in the output folder."""
        return self.database_url or f"sqlite:///{(self.out_dir / 'callsentry.db').resolve()}"


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    """The process-wide settings, read from the environment once."""
    return Settings()
