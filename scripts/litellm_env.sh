#!/usr/bin/env bash
# Builds .venv-litellm/, a virtual environment of its own holding a pinned LiteLLM proxy from PyPI,
# for the tests that run a real LiteLLM gateway in front of the built-in emulator
# (tests/providers/). Kept apart from .venv because litellm[proxy] pins many packages of its own
# (fastapi, pydantic, openai, ...) that must not change what the desk itself is tested with.
#
# Cheap when nothing changed: a stamp file in the environment names the pinned version and a hash
# of the pins below, and the environment is rebuilt from scratch only when they change. Prints one line when it installs; fails with a clear message
# when it cannot. Run scripts/bootstrap.sh first on a fresh machine (it makes python3 -m venv work).
set -euo pipefail
cd "$(dirname "$0")/.."

# 1.108.7 is the release the LiteLLM behaviour of issue 11 was observed with; the contract tests in
# tests/providers/test_litellm_contract.py pin what it does, so change this deliberately and rerun
# them. Never 1.107.0: that release was compromised.
LITELLM_VERSION="1.108.7"
VENV=".venv-litellm"

# Every package of that environment, pinned, so a new release of any dependency (fastapi,
# pydantic, aiohttp, ...) can neither change what the contract tests see nor slip a compromised
# version in. Regenerate after changing LITELLM_VERSION: install it into a scratch venv without
# these pins, then `pip freeze --all`, less pip, setuptools and wheel.
PINS="$(cat <<'PINS_END'
aiohappyeyeballs==2.7.1
aiohttp==3.14.5
aiosignal==1.4.0
annotated-doc==0.0.7
annotated-types==0.8.0
anyio==4.16.0
APScheduler==3.11.3
attrs==26.1.0
azure-core==1.41.0
azure-identity==1.27.0
azure-storage-blob==12.31.1
backoff==2.2.1
boto3==1.44.8
botocore==1.44.8
certifi==2026.10.19.post1
cffi==2.1.1
charset-normalizer==3.5.3
click==8.5.1
croniter==7.0.0
cryptography==50.0.2
dnspython==2.9.2
email-validator==2.4.0
Expression==5.8.0
fastapi==0.165.0
fastapi-sso==0.23.0
fastuuid==0.14.0
filelock==4.3.2
frozenlist==1.8.0
fsspec==2026.9.0
granian==2.8.9
gunicorn==23.0.0
h11==0.16.0
h2==4.4.1
hf-xet==1.8.0
hiredis==3.5.0
hpack==4.2.0
httpcore==1.0.9
httpcore2==2.16.2
httpx==0.29.0
httpx2==2.16.2
huggingface_hub==1.33.0
hyperframe==6.1.0
idna==3.20
importlib_metadata==8.9.0
inquirerpy==0.3.4
isodate==0.7.2
Jinja2==3.1.6
jiter==0.19.0
jmespath==1.1.0
jsonschema==4.26.0
jsonschema-specifications==2025.9.1
litellm==1.108.7
litellm-enterprise==0.1.79.post1
litellm-proxy-extras==0.4.110
markdown-it-py==4.3.0
MarkupSafe==3.0.4
mcp==2.3.0
mcp-types==2.3.0
mdurl==0.1.2
msal==1.39.0
msal-extensions==1.3.1
multidict==7.2.1
numpy==2.4.6
oauthlib==4.0.1
openai==3.60.0
opentelemetry-api==1.45.2
orjson==3.13.0
packaging==26.4
pfzy==0.3.4
polars==1.44.2
polars-runtime-32==1.44.2
prompt_toolkit==3.0.53
propcache==0.5.4
psycopg==3.3.9
psycopg-binary==3.3.9
pycparser==3.12
pydantic==2.14.4
pydantic-settings==2.16.3
pydantic_core==2.50.5
Pygments==2.21.0
PyJWT==2.15.1
PyNaCl==1.6.2
pyroscope-io==0.8.16
python-dateutil==2.9.0.post0
python-dotenv==1.2.4
python-multipart==0.0.34
PyYAML==6.0.4
redis==8.2.0
referencing==0.37.0
regex==2026.11.19
requests==2.34.2
RestrictedPython==8.5
rich==13.9.4
rpds-py==2026.9.1
rq==2.12.0
s3transfer==0.19.3
six==1.17.0
sniffio==1.3.1
soundfile==0.14.0
sse-starlette==3.7.1
starlette==1.10.0
tiktoken==0.14.0
tokenizers==0.23.3
tomlkit==0.15.3
tqdm==4.70.1
truststore==0.10.5
typing-inspection==0.4.5
typing_extensions==4.16.0
tzlocal==5.4.5
urllib3==2.8.0
uvicorn==0.55.0
uvloop==0.23.0
wcwidth==0.9.4
websockets==15.0.1
yarl==1.25.1
zipp==4.1.2
PINS_END
)"
STAMP="$VENV/.installed-litellm-$LITELLM_VERSION-$(printf '%s\n' "$PINS" | sha256sum | cut -c1-12)"

if [ "$LITELLM_VERSION" = "1.107.0" ]; then
  echo "litellm_env: litellm 1.107.0 is a compromised release; refusing to install it" >&2
  exit 1
fi

if ! printf '%s\n' "$PINS" | grep -qx "litellm==$LITELLM_VERSION"; then
  echo "litellm_env: the pins below LITELLM_VERSION are not for litellm $LITELLM_VERSION; regenerate them" >&2
  exit 1
fi

if [ -f "$STAMP" ] && [ -x "$VENV/bin/litellm" ]; then
  exit 0
fi

fail() {
  echo "litellm_env: $*" >&2
  echo "litellm_env: the LiteLLM proxy tests (tests/providers) need it; rerun: bash scripts/litellm_env.sh" >&2
  exit 1
}

command -v python3 >/dev/null 2>&1 || fail "python3 is missing (run scripts/bootstrap.sh first)"
python3 -c 'import ensurepip, venv' >/dev/null 2>&1 ||
  fail "python3 cannot make virtual environments (run scripts/bootstrap.sh, or apt-get install python3-venv)"

echo "litellm_env: installing litellm[proxy]==$LITELLM_VERSION into $VENV"
rm -rf "$VENV"
log="$(mktemp)"
constraints="$(mktemp)"
trap 'rm -f "$log" "$constraints"' EXIT
printf '%s\n' "$PINS" >"$constraints"
if ! {
  python3 -m venv "$VENV" &&
    "$VENV/bin/python" -m pip install -q --disable-pip-version-check \
      -c "$constraints" "litellm[proxy]==$LITELLM_VERSION"
} >"$log" 2>&1; then
  tail -n 20 "$log" >&2
  rm -rf "$VENV"
  fail "could not install litellm[proxy]==$LITELLM_VERSION from PyPI (see the lines above)"
fi
"$VENV/bin/litellm" --version >/dev/null 2>&1 || {
  rm -rf "$VENV"
  fail "litellm[proxy]==$LITELLM_VERSION installed, but its litellm command does not run"
}
touch "$STAMP"
