# goldmane-trail container image: a Swift build stage, then a slim Debian runtime with only
# the shared libraries the binary needs (libzstd, libpq; libcurl for the Slack and
# Pushgateway HTTP client). Build: docker build -t goldmane-trail:0.1.0 .
# (The CronJobs in deploy/ run it as UID 65532 with a read-only root filesystem.)

FROM swift:6.2-bookworm AS build
RUN apt-get update \
 && apt-get install -y --no-install-recommends libzstd-dev libpq-dev pkg-config \
 && rm -rf /var/lib/apt/lists/*
WORKDIR /src
# Dependencies first, so that a source change does not refetch them.
COPY Package.swift ./
RUN swift package resolve
COPY Sources ./Sources
# The Swift runtime is linked in statically; the migrations ship as the Load resource bundle.
RUN swift build -c release --static-swift-stdlib --product goldmane-trail \
 && mkdir -p /out \
 && cp .build/release/goldmane-trail /out/ \
 && cp -R .build/release/goldmane-trail_Load.resources /out/

FROM debian:bookworm-slim
RUN apt-get update \
 && apt-get install -y --no-install-recommends libzstd1 libpq5 libcurl4 ca-certificates tzdata graphviz \
 && rm -rf /var/lib/apt/lists/*
COPY --from=build /out/ /usr/local/bin/
USER 65532:65532
ENTRYPOINT ["/usr/local/bin/goldmane-trail"]
CMD ["--help"]
