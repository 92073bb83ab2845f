# goldmane-trail container image: a Swift build stage, then a slim Debian runtime with only
# the shared libraries the binary needs (libzstd, libpq; libcurl for the Slack and
# Pushgateway HTTP client). Build: docker build -t goldmane-trail:0.1.0 .
# (The CronJobs in deploy/ run it as UID 65532 with a read-only root filesystem.)

FROM swift:6.2-bookworm AS build
RUN apt-get update \
 && apt-get install -y --no-install-recommends libzstd-dev libpq-dev libcurl4-openssl-dev pkg-config \
 && rm -rf /var/lib/apt/lists/*
WORKDIR /src
# Dependencies first, so that a source change does not refetch them.
COPY Package.swift ./
RUN swift package resolve
COPY Sources ./Sources
# The Swift runtime is linked in statically (FoundationNetworking then links libcurl, hence
# libcurl4-openssl-dev); the migrations ship as the Load resource bundle beside the binary.
# Checked outside Docker on Debian 12: this build links, its only shared libraries are libc,
# libm, libstdc++, libgcc_s, zlib, libzstd, libpq and libcurl, and the binary with its bundle
# copied elsewhere migrates, loads the samples and reports. Stripped, it is 87.8 MB.
RUN swift build -c release --static-swift-stdlib --product goldmane-trail \
 && mkdir -p /out \
 && cp .build/release/goldmane-trail /out/ \
 && strip /out/goldmane-trail \
 && cp -R .build/release/goldmane-trail_Load.resources /out/

FROM debian:bookworm-slim
RUN apt-get update \
 && apt-get install -y --no-install-recommends libzstd1 libpq5 libcurl4 ca-certificates tzdata graphviz \
 && rm -rf /var/lib/apt/lists/*
COPY --from=build /out/ /usr/local/bin/
USER 65532:65532
ENTRYPOINT ["/usr/local/bin/goldmane-trail"]
CMD ["--help"]
