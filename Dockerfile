# datascan image for the multi-host roles (deploy/kubernetes) and for one-host scans.
#   docker build -t registry.example.com/datascan:0.1.0 .
# Two stages: the build stage has the compiler and Cython; the runtime stage only the virtualenv it made.

FROM python:3.11-slim-bookworm AS build
RUN apt-get update \
    && apt-get install -y --no-install-recommends build-essential \
    && rm -rf /var/lib/apt/lists/*
RUN python -m venv /opt/datascan \
    && /opt/datascan/bin/pip install --no-cache-dir --upgrade pip setuptools wheel "Cython>=3.0"
WORKDIR /src
COPY pyproject.toml setup.py README.md ./
COPY scanner/ scanner/
# setup.py's build_ext compiles scanner/_fast/*.pyx (the prefilter and the validators) into the wheel; the check
# fails the build if the compiled modules are missing (the package would fall back to the slow pure-Python ones).
RUN /opt/datascan/bin/pip wheel --no-cache-dir --no-deps --wheel-dir /wheels . \
    && /opt/datascan/bin/python -m zipfile -l /wheels/datascan-*.whl | grep -q "scanner/_fast/_prefilter.*\.so" \
    && /opt/datascan/bin/pip install --no-cache-dir /wheels/datascan-*.whl

FROM python:3.11-slim-bookworm
# unixODBC for the aioodbc SQL paths (add the ODBC driver your databases need, e.g. tdsodbc or Microsoft's
# msodbcsql18), bsdtar for RAR members.
RUN apt-get update \
    && apt-get install -y --no-install-recommends unixodbc libarchive-tools \
    && rm -rf /var/lib/apt/lists/*
COPY --from=build /opt/datascan /opt/datascan
RUN groupadd --system --gid 10001 datascan \
    && useradd --system --uid 10001 --gid 10001 --home-dir /home/datascan --create-home datascan \
    && /opt/datascan/bin/python -c "import scanner._fast._prefilter as m; assert m.__file__.endswith('.so'), m"
ENV PATH=/opt/datascan/bin:$PATH \
    PYTHONUNBUFFERED=1
# Numeric, so that Kubernetes' runAsNonRoot can check it.
USER 10001:10001
WORKDIR /home/datascan
ENTRYPOINT ["datascan"]
CMD ["--help"]
