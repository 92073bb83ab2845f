"""An independent Goldmane stand-in: grpcio, serving /goldmane.Flows/Stream from
proto/goldmane.proto over mutual TLS, with Goldmane's stream semantics (goldmane-api.md §3.5):
a ring of 15-second buckets reaching back an hour; a replay from the bucket containing
start_time_gte up to the newest bucket streamed; then, at every rollover t (a multiple of
15 s), the bucket [t-30, t-15). Every item it sends is logged (JSON lines).

    python3 goldmane_standin.py --port P --certs DIR --log FILE [modes...]

With no mode flag it behaves as it always did (the default). The modes model what the real
Goldmane (projectcalico/calico goldmane/, v3.30-3.32) does, and what a hostile or broken
server could do; they combine freely:

  --live-first              registration race on every stream: the newest streamed bucket's
                            live copy first, then the replay (which repeats that bucket), then live
  --map-order [--seed S]    ids per FlowKey as Goldmane assigns them (first sight, not ordered),
                            and each bucket's items in a shuffled order, different per stream
  --ring-seconds N          the ring reaches back N s (3600); an older start_time_gte replays nothing
  --restart-at T            at Unix time T Goldmane restarts: the ring is emptied, ids restart
  --restart-after-items N   ... or once N items have been sent in all
  --drop-bucket-once K      the first stream silently skips the K-th (1-based) non-empty bucket
  --far-future-once         the first stream gets one extra item dated year 9999 (a quarter into the replay)
  --hostile-times           the first stream gets extra items dated 0, -15 and gte-bucket + 7
                            (half-way through the first replayed bucket)
  --oversized-once          the first stream gets one extra message over 16 MiB (a quarter into the replay)
  --early-ok-after N        the first stream ends with status OK after N items
  --stall-after N           the first stream goes silent after N items, but stays open
  --stall-every-after N     every stream goes silent after N items, staying open (a proxy that
                            cuts every stream at the same size)
  --stall-at T              every stream goes silent just before the second item of bucket T,
                            staying open (a server whose every replay stops at the same item)
  --oversized-in T          the ring holds an item over 16 MiB in bucket T (half-way through it):
                            every stream that sends bucket T sends it
  --restart-on-file PATH    Goldmane restarts when PATH appears (then PATH is removed): a restart
                            between two capture runs
  --reset-after N           the first stream to reach N items sent in all is aborted (UNAVAILABLE)
  --plaintext               no TLS at all (Goldmane never does this; capture must refuse it)
  --empty-every K           buckets whose index (start // 15) is a multiple of K are empty
  --items-per-bucket N      benchmarks: N distinct keys in every bucket

Extra items (far future, hostile times, oversized) are never part of what the stand-in holds:
they are logged with "held": false, and `oracle()` leaves them out.

The log has one JSON line per item sent: {"bucket", "key", "stream", "held", "epoch", "id"}
(`key` is the key index for held items, a name for extra ones), and event lines with an
"event" field: {"event": "restart", "time", "epoch"}, {"event": "dropped", "bucket", "stream",
"items"}, {"event": "stream", "stream", "index", "gte", "epoch"}. `read_log` splits them.
"""
import argparse
import dataclasses
import json
import math
import os
import random
import subprocess
import sys
import tempfile
import threading
import time
from concurrent import futures

import grpc
from google.protobuf import descriptor_pb2, descriptor_pool, message_factory

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

BUCKET = 15
FAR_FUTURE = 253402300785 - 253402300785 % BUCKET  # 9999-12-31T23:59:45Z
CLIENT_MAX_MESSAGE = 16 << 20  # capture's maxResponseMessageBytes (GoldmaneStreamClient.swift)
DEFAULT_KEYS = 11  # distinct keys of the default data


def message_classes():
    with tempfile.TemporaryDirectory() as work:
        path = os.path.join(work, "goldmane.pb")
        subprocess.run(["protoc", "-I", os.path.join(ROOT, "proto"), "--descriptor_set_out", path, "goldmane.proto"], check=True)
        descriptors = descriptor_pb2.FileDescriptorSet()
        descriptors.ParseFromString(open(path, "rb").read())
    pool = descriptor_pool.DescriptorPool()
    for file_descriptor in descriptors.file:
        pool.Add(file_descriptor)
    get = lambda name: message_factory.GetMessageClass(pool.FindMessageTypeByName(name))
    return get("goldmane.FlowResult"), get("goldmane.FlowStreamRequest")


FlowResult, FlowStreamRequest = message_classes()


# --- Configuration (shared by the server and the oracle) -------------------------------------

@dataclasses.dataclass
class Config:
    reset_after: int = None
    items_per_bucket: int = None
    live_first: bool = False
    map_order: bool = False
    seed: int = 1
    ring_seconds: int = 3600
    restart_at: float = None
    restart_after_items: int = None
    drop_bucket_once: int = None
    far_future_once: bool = False
    hostile_times: bool = False
    oversized_once: bool = False
    early_ok_after: int = None
    stall_after: int = None
    stall_every_after: int = None
    stall_at: int = None
    oversized_in: int = None
    restart_on_file: str = None
    plaintext: bool = False
    empty_every: int = None
    server_pair: str = "goldmane"


def build_parser():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--port", type=int)
    parser.add_argument("--certs")
    parser.add_argument("--log", help="JSON lines of every item sent (tests)")
    parser.add_argument("--reset-after", type=int, help="abort the first stream to reach this many items sent (in all) with UNAVAILABLE")
    parser.add_argument("--items-per-bucket", type=int, help="benchmarks: this many distinct keys in every bucket")
    parser.add_argument("--live-first", action="store_true", help="registration race: newest bucket's live copy before the replay")
    parser.add_argument("--map-order", action="store_true", help="Goldmane's ids (first sight) and map order within a bucket")
    parser.add_argument("--seed", type=int, default=1, help="seed of --map-order's ids and orders")
    parser.add_argument("--ring-seconds", type=int, default=3600, help="how far back the ring reaches")
    parser.add_argument("--restart-at", type=float, help="Unix time at which Goldmane restarts (ring emptied, ids restart, streams cut)")
    parser.add_argument("--restart-after-items", type=int, help="restart once this many items have been sent in all")
    parser.add_argument("--drop-bucket-once", type=int, metavar="K", help="the first stream silently skips its K-th non-empty bucket")
    parser.add_argument("--far-future-once", action="store_true", help="the first stream gets one extra item dated year 9999")
    parser.add_argument("--hostile-times", action="store_true", help="the first stream gets extra items dated 0, -15 and unaligned")
    parser.add_argument("--oversized-once", action="store_true", help="the first stream gets one message over 16 MiB mid-replay")
    parser.add_argument("--early-ok-after", type=int, help="the first stream ends with status OK after this many items")
    parser.add_argument("--stall-after", type=int, help="the first stream goes silent after this many items, staying open")
    parser.add_argument("--stall-every-after", type=int, help="every stream goes silent after this many items, staying open")
    parser.add_argument("--stall-at", type=int, metavar="T", help="every stream goes silent before the second item of bucket T")
    parser.add_argument("--oversized-in", type=int, metavar="T", help="the ring holds an item over 16 MiB in bucket T")
    parser.add_argument("--restart-on-file", metavar="PATH", help="restart when PATH appears (PATH is then removed)")
    parser.add_argument("--plaintext", action="store_true", help="serve without TLS")
    parser.add_argument("--server-pair", default="goldmane", help="the server's key pair in --certs: NAME.key and NAME.crt")
    parser.add_argument("--empty-every", type=int, metavar="K", help="buckets with (start // 15) %% K == 0 are empty")
    return parser


def config_from(arguments):
    return Config(**{field.name: getattr(arguments, field.name) for field in dataclasses.fields(Config)})


def parse_config(argv):
    """The Config a stand-in started with these mode flags (strings, as on its command line) has."""
    return config_from(build_parser().parse_args([str(a) for a in argv]))


# --- Pure data: what a bucket holds ------------------------------------------------------------

def bucket_start(time_value):
    return int(time_value) // BUCKET * BUCKET


def key_count(config):
    return config.items_per_bucket or DEFAULT_KEYS


def bucket_keys(start, per_bucket=None):
    """[(index, key_index)] of the bucket starting at `start`, in canonical order."""
    count = per_bucket or 4 + (start // 15) % 5
    return [(index, index if per_bucket else (start // 15 * 7 + index * 3) % 11) for index in range(count)]


def flow_result(start, index, key_index, flow_id):
    result = FlowResult()
    result.id = flow_id
    flow = result.flow
    key = flow.Key
    key.source_name = f"client-{key_index}-6d9f8b7c54-*"
    key.source_namespace = f"ns-{key_index % 4}"
    key.source_type = 1
    key.dest_name = f"server-{key_index % 3}-7b5c9d6f48-*"
    key.dest_namespace = f"backend-{key_index % 3}"
    key.dest_type = 1
    key.dest_port = 8000 + key_index
    key.dest_service_name = "-"
    key.dest_service_namespace = "-"
    key.dest_service_port_name = "-"
    key.proto = "tcp"
    key.reporter = 1 + key_index % 2
    key.action = 1 if key_index % 5 else 2
    flow.start_time = start
    flow.end_time = start + 15
    flow.packets_out = 10 + (start // 15) % 17 + index
    flow.bytes_out = flow.packets_out * 100
    flow.num_connections_started = 1
    return result


def items_for_bucket(start, per_bucket=None):
    """The items of the bucket starting at `start` with the default flags: deterministic, so a
    test can compute what a window holds. Returns [(key_index, FlowResult bytes)]. `per_bucket`
    (benchmarks) sets how many distinct keys each bucket has."""
    return [(key_index, flow_result(start, index, key_index, key_index + 1).SerializeToString(deterministic=True))
            for index, key_index in bucket_keys(start, per_bucket)]


def flow_ids(config, epoch):
    """key_index -> FlowResult.id for one Goldmane lifetime (epoch 0 = before any restart).

    Default: key_index + 1 in every epoch (the old behaviour). With --map-order: ids as a
    long-running Goldmane hands them out, by first sight of each key (a process-wide counter
    that other, aged-out keys also advanced): spread over 1..20000 and unrelated to the order
    keys appear in; after a restart the counter starts again, so epochs >= 1 use a permutation
    of the small numbers 1..keys. Stable per key within an epoch, so the same (key, bucket)
    always serialises to the same bytes."""
    keys = key_count(config)
    if not config.map_order:
        return {key_index: key_index + 1 for key_index in range(keys)}
    rng = random.Random(f"ids:{config.seed}:{epoch}")
    ids = rng.sample(range(1, 20001), keys) if epoch == 0 else rng.sample(range(1, keys + 1), keys)
    return dict(enumerate(ids))


def is_empty_bucket(config, start):
    return bool(config.empty_every) and (start // BUCKET) % config.empty_every == 0


def bucket_items(config, start, epoch=0, ids=None):
    """[(key_index, FlowResult bytes)] the stand-in holds for the bucket `start` in `epoch`,
    in canonical order (the order sent without --map-order)."""
    if is_empty_bucket(config, start):
        return []
    ids = ids or flow_ids(config, epoch)
    return [(key_index, flow_result(start, index, key_index, ids[key_index]).SerializeToString(deterministic=True))
            for index, key_index in bucket_keys(start, config.items_per_bucket)]


def extra_item(name, start, end, labels=()):
    """An item that is not part of any bucket the stand-in holds (a key of its own)."""
    result = FlowResult()
    result.id = 999_999
    key = result.flow.Key
    key.source_name = f"hostile-{name}"
    key.source_namespace = "-"
    key.source_type = 4
    key.dest_name = "pub"
    key.dest_namespace = "-"
    key.dest_type = 4
    key.dest_port = 9
    key.proto = "udp"
    key.reporter = 1
    key.action = 2
    result.flow.start_time = start
    result.flow.end_time = end
    result.flow.source_labels.extend(labels)
    result.flow.packets_out = 1
    return result.SerializeToString(deterministic=True)


def ring_start(config, now):
    """The oldest bucket the ring holds at `now`."""
    return bucket_start(now) - config.ring_seconds // BUCKET * BUCKET


def newest_streamed(now):
    """The newest bucket streamed by `now`: its rollover (start + 30) has passed."""
    return bucket_start(now) - 2 * BUCKET


def first_bucket_after(restart_time):
    """The first bucket a Goldmane restarted at `restart_time` holds: the one starting at or
    after the restart (the bucket the restart fell into is lost)."""
    return math.ceil(restart_time / BUCKET) * BUCKET


# --- The oracle --------------------------------------------------------------------------------

def key_bytes(record):
    """The FlowKey bytes of a FlowResult record (as the capture dedupes on them)."""
    return FlowResult.FromString(record).flow.Key.SerializeToString(deterministic=True)


def read_log(path):
    """(items, events) of a stand-in's log."""
    items, events = [], []
    if not path or not os.path.exists(path):
        return items, events
    with open(path) as handle:
        for line in handle:
            entry = json.loads(line)
            (events if "event" in entry else items).append(entry)
    return items, events


@dataclasses.dataclass
class Oracle:
    """What a capture of [start, end) can possibly deliver from this stand-in.

    buckets: bucket start -> {FlowKey bytes: record bytes}, for every bucket of the window
             that the stand-in holds (an empty dict for a held empty bucket);
    lost:    the buckets of the window that no capture could deliver whole (see `oracle`);
    epochs:  bucket start -> the Goldmane lifetime whose data (ids) the bucket has."""
    start: int
    end: int
    buckets: dict
    lost: set
    epochs: dict

    def records(self, bucket):
        return self.buckets.get(bucket, {})


def oracle(config, start, end, as_of, log_path=None):
    """The exact items the stand-in holds for each bucket of [start, end), as a capture that
    started at Unix time `as_of` could receive them. Extra items (far future, hostile, oversized)
    are never included.

    - The ring: a bucket older than the ring's oldest bucket at `as_of` is lost (a replay from
      there sends nothing at all, so no capture starting then can get it). A bucket that ages
      out while the capture runs is still held: a capture that reads it in time gets it.
    - Restart (--restart-at / --restart-after-items; the times come from the log's restart
      events): my choice, since the ring is emptied, is that a bucket of a lifetime that has
      ended is held only if some stream received ALL of its items before the restart (the log
      says which items each stream got). A bucket a stream got only in part, or not at all,
      before the restart can never be delivered whole: it is lost, and an honest capture
      records it as a gap. The current lifetime holds the buckets starting at or after its
      restart time (`first_bucket_after`), with its own ids; the bucket the restart fell into,
      and earlier buckets not yet streamed, are lost.
    - --drop-bucket-once does not change what the stand-in holds (the bucket is still in the
      ring; only one stream skipped it), so the oracle still has it.
    - --empty-every: an empty bucket is held, with no items.
    """
    items, events = read_log(log_path)
    restarts = sorted((e["time"], e["epoch"]) for e in events if e["event"] == "restart")
    last_epoch = restarts[-1][1] if restarts else 0
    last_first_bucket = first_bucket_after(restarts[-1][0]) if restarts else None
    # Buckets of ended lifetimes that some stream received whole before the restart.
    complete_before_restart = {}
    if restarts:
        received = {}
        for entry in items:
            if entry.get("held") and entry.get("epoch", 0) < last_epoch:
                received.setdefault((entry["epoch"], entry["stream"], entry["bucket"]), set()).add(entry["key"])
        for (epoch, _stream, bucket), keys in received.items():
            expected = {key_index for key_index, _ in bucket_items(config, bucket, epoch)}
            if keys == expected:
                complete_before_restart[bucket] = epoch
    oldest = ring_start(config, as_of)
    ids = {}
    buckets, lost, epochs = {}, set(), {}
    for bucket in range(start, end, BUCKET):
        if restarts:
            if bucket in complete_before_restart:
                epoch = complete_before_restart[bucket]
            elif bucket >= last_first_bucket:
                epoch = last_epoch
            else:
                lost.add(bucket)
                continue
        else:
            epoch = 0
        if bucket < oldest and not (restarts and bucket in complete_before_restart):
            lost.add(bucket)
            continue
        if epoch not in ids:
            ids[epoch] = flow_ids(config, epoch)
        buckets[bucket] = {key_bytes(data): data for _, data in bucket_items(config, bucket, epoch, ids[epoch])}
        epochs[bucket] = epoch
    return Oracle(start, end, buckets, lost, epochs)


# --- The server --------------------------------------------------------------------------------

class EndStream(Exception):
    """Ends a stream's generator: status OK (or nothing, when the client has gone)."""


class Stand_in:
    def __init__(self, log_path, config):
        self.config = config
        self.log = open(log_path, "a", buffering=1) if log_path else None
        self.lock = threading.Lock()
        self.cache = {}
        self.sent = 0
        self.resets = 0
        self.streams = 0
        self.epoch = 0
        self.restart_time = None
        self.restarted = threading.Event()  # set when the current epoch ends
        self.ids = {0: flow_ids(config, 0)}
        self.oversized = None
        if config.restart_at is not None:
            timer = threading.Timer(max(0.0, config.restart_at - time.time()), self.restart)
            timer.daemon = True
            timer.start()
        if config.restart_on_file:
            threading.Thread(target=self.watch_restart_file, daemon=True).start()

    def watch_restart_file(self):
        while True:
            if os.path.exists(self.config.restart_on_file):
                self.restart()
                os.remove(self.config.restart_on_file)
            time.sleep(0.1)

    def write(self, entry):
        if self.log:
            self.log.write(json.dumps(entry) + "\n")

    def restart(self):
        """Goldmane restarts: the ring is emptied, ids restart, every open stream is cut."""
        with self.lock:
            self.epoch += 1
            self.restart_time = time.time()
            self.ids[self.epoch] = flow_ids(self.config, self.epoch)
            ended, self.restarted = self.restarted, threading.Event()
            self.write({"event": "restart", "time": self.restart_time, "epoch": self.epoch})
        ended.set()

    def held(self, bucket, epoch, now):
        """Whether the ring of lifetime `epoch` holds `bucket` at `now`."""
        if bucket < ring_start(self.config, now) or bucket > newest_streamed(now):
            return False
        return epoch == 0 or bucket >= first_bucket_after(self.restart_time)

    def bucket(self, start, epoch):
        if (start, epoch) not in self.cache:
            self.cache[(start, epoch)] = bucket_items(self.config, start, epoch, self.ids[epoch])
        return self.cache[(start, epoch)]

    def entries(self, start, epoch, stream_index):
        """[(bucket, key, data, held)] of one bucket, in the order this stream gets them."""
        entries = [(start, key_index, data, True) for key_index, data in self.bucket(start, epoch)]
        if self.config.map_order:
            random.Random(f"order:{self.config.seed}:{stream_index}:{start}").shuffle(entries)
        if self.config.oversized_in == start and entries:
            entries.insert(len(entries) // 2, (start, "oversized", self.oversized_item(start), False))
        return entries

    def oversized_item(self, start):
        if self.oversized is None:
            self.oversized = extra_item("oversized", start, start + 15, ["blob=" + "x" * (CLIENT_MAX_MESSAGE + (1 << 20))])
        return self.oversized

    def extras(self, replay, gte_bucket):
        """Inserts the first stream's extra items into its replay (a list of entries)."""
        config = self.config
        buckets = sorted({entry[0] for entry in replay})
        if not buckets:
            return replay
        def position(bucket):
            """Half-way through the bucket's items."""
            indices = [i for i, entry in enumerate(replay) if entry[0] == bucket]
            return indices[len(indices) // 2] if indices else len(replay)
        inserts = []  # (position, entry)
        # A quarter of the way in: for a past window the replay runs on to the newest bucket, so
        # this lands inside the window, with window buckets after it.
        middle = buckets[len(buckets) // 4]
        if config.hostile_times:
            base = gte_bucket if gte_bucket is not None else buckets[0]
            at = position(buckets[0])
            inserts += [(at, (0, "hostile-zero", extra_item("zero", 0, 15), False)),
                        (at, (-15, "hostile-negative", extra_item("negative", -15, 0), False)),
                        (at, (base + 7, "hostile-unaligned", extra_item("unaligned", base + 7, base + 22), False))]
        if config.far_future_once:
            inserts.append((position(middle), (FAR_FUTURE, "far-future", extra_item("far-future", FAR_FUTURE, FAR_FUTURE + 15), False)))
        if config.oversized_once:
            inserts.append((position(middle), (middle, "oversized", self.oversized_item(middle), False)))
        result = list(replay)
        for at, entry in sorted(inserts, key=lambda pair: pair[0], reverse=True):
            result.insert(at, entry)
        return result

    def stream(self, request, context):
        config = self.config
        with self.lock:
            index = self.streams
            self.streams += 1
            epoch = self.epoch
            ended = self.restarted
        first = index == 0
        stream_id = f"{index}:{time.time():.6f}"
        now = time.time()
        newest = newest_streamed(now)
        gte = request.start_time_gte
        if gte < 0:
            gte = int(now) + gte
        self.write({"event": "stream", "stream": stream_id, "index": index, "gte": gte, "epoch": epoch})
        state = {"count": 0, "buckets": 0, "last_bucket": None, "dropping": None, "extras": False}

        def send(entries):
            """Yields the data of `entries`, applying the first stream's faults."""
            for bucket, key, data, held in entries:
                if first and config.drop_bucket_once and held:
                    if bucket != state["last_bucket"]:
                        state["last_bucket"] = bucket
                        state["buckets"] += 1
                        state["dropping"] = bucket if state["buckets"] == config.drop_bucket_once else None
                        if state["dropping"] is not None:
                            self.write({"event": "dropped", "bucket": bucket, "stream": stream_id,
                                        "items": len(self.bucket(bucket, epoch))})
                    if state["dropping"] == bucket:
                        continue  # the slow-reader drop: no signal reaches the client
                if ended.is_set():
                    context.abort(grpc.StatusCode.UNAVAILABLE, "stand-in: Goldmane restarted")
                stalled = first and config.stall_after is not None and state["count"] >= config.stall_after
                stalled |= config.stall_every_after is not None and state["count"] >= config.stall_every_after
                if config.stall_at is not None and bucket == config.stall_at and held:
                    state["stall_at_seen"] = state.get("stall_at_seen", 0) + 1
                    stalled |= state["stall_at_seen"] == 2
                if stalled:
                    self.write({"event": "stalled", "stream": stream_id, "bucket": bucket, "items": state["count"]})
                    while context.is_active():
                        time.sleep(0.2)
                    raise EndStream  # the client has gone
                if first and config.early_ok_after is not None and state["count"] >= config.early_ok_after:
                    raise EndStream  # status OK
                with self.lock:
                    if config.restart_after_items is not None and self.epoch == 0 and self.sent >= config.restart_after_items:
                        restart_now = True
                    else:
                        restart_now = False
                        if config.reset_after is not None and self.resets == 0 and self.sent >= config.reset_after:
                            self.resets += 1
                            reset_now = True
                        else:
                            reset_now = False
                            self.sent += 1
                            state["count"] += 1
                            flow_id = FlowResult.FromString(data).id if held and config.map_order else None
                            self.write({"bucket": bucket, "key": key, "stream": stream_id, "held": held, "epoch": epoch,
                                        **({"id": flow_id} if flow_id is not None else {})})
                if restart_now:
                    self.restart()
                    context.abort(grpc.StatusCode.UNAVAILABLE, "stand-in: Goldmane restarted")
                if reset_now:
                    context.abort(grpc.StatusCode.UNAVAILABLE, "stand-in: forced stream reset")
                yield data

        def generate():
            # The registration race: the newest bucket's live copy arrives before the replay.
            if config.live_first and self.held(newest, epoch, now):
                yield from send(self.entries(newest, epoch, index))
            oldest = ring_start(config, now)
            replay = []
            gte_bucket = None
            if gte > 0 and oldest <= gte:  # older than the ring (or 0 = live only): no replay at all
                gte_bucket = bucket_start(gte)
                for bucket in range(gte_bucket, newest + BUCKET, BUCKET):
                    if self.held(bucket, epoch, now):
                        replay += self.entries(bucket, epoch, index)
            if first and replay:
                replay = self.extras(replay, gte_bucket)
                state["extras"] = True
            yield from send(replay)
            rollover = bucket_start(now) + BUCKET
            while context.is_active():
                while time.time() < rollover:
                    if ended.wait(min(0.5, max(0.0, rollover - time.time()))):
                        context.abort(grpc.StatusCode.UNAVAILABLE, "stand-in: Goldmane restarted")
                    if not context.is_active():
                        return
                live = rollover - 2 * BUCKET
                entries = self.entries(live, epoch, index) if self.held(live, epoch, time.time()) else []
                if first and not state["extras"] and entries:
                    entries = self.extras(entries, None)  # no replay: the extras go live
                    state["extras"] = True
                yield from send(entries)
                rollover += BUCKET

        try:
            yield from generate()
        except EndStream:
            return


def serve(port, certs, log_path, config):
    standin = Stand_in(log_path, config)
    handler = grpc.method_handlers_generic_handler("goldmane.Flows", {
        "Stream": grpc.unary_stream_rpc_method_handler(
            standin.stream, request_deserializer=FlowStreamRequest.FromString, response_serializer=lambda data: data),
    })
    server = grpc.server(futures.ThreadPoolExecutor(max_workers=16),
                         options=[("grpc.max_send_message_length", -1), ("grpc.max_receive_message_length", -1)])
    server.add_generic_rpc_handlers((handler,))
    if config.plaintext:
        server.add_insecure_port(f"127.0.0.1:{port}")
    else:
        read = lambda name: open(os.path.join(certs, name), "rb").read()
        credentials = grpc.ssl_server_credentials([(read(f"{config.server_pair}.key"), read(f"{config.server_pair}.crt"))],
                                                  root_certificates=read("tigera-ca.crt"), require_client_auth=True)
        server.add_secure_port(f"127.0.0.1:{port}", credentials)
    server.start()
    print("ready", flush=True)
    server.wait_for_termination()


if __name__ == "__main__":
    arguments = build_parser().parse_args()
    if arguments.port is None or (arguments.certs is None and not arguments.plaintext):
        sys.exit("--port and --certs are required")
    serve(arguments.port, arguments.certs, arguments.log, config_from(arguments))
