"""An independent Goldmane stand-in: grpcio, serving /goldmane.Flows/Stream from
proto/goldmane.proto over mutual TLS, with Goldmane's stream semantics (goldmane-api.md §3.5):
a ring of 15-second buckets reaching back an hour; a replay from the bucket containing
start_time_gte up to the bucket due at the next rollover; then, at every rollover t (a
multiple of 15 s), the bucket [t-30, t-15). Every item it sends is logged (JSON lines).

    python3 goldmane_standin.py --port P --certs DIR --log FILE [--reset-after N]
"""
import argparse
import json
import os
import subprocess
import sys
import tempfile
import threading
import time
from concurrent import futures

import grpc
from google.protobuf import descriptor_pb2, descriptor_pool, message_factory

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


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


def items_for_bucket(start, per_bucket=None):
    """The items of the bucket starting at `start`: deterministic, so a test can compute what
    a window holds. Returns [(key_index, FlowResult bytes)]. `per_bucket` (benchmarks) sets
    how many distinct keys each bucket has."""
    count = per_bucket or 4 + (start // 15) % 5
    items = []
    for index in range(count):
        key_index = index if per_bucket else (start // 15 * 7 + index * 3) % 11
        result = FlowResult()
        result.id = key_index + 1
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
        items.append((key_index, result.SerializeToString(deterministic=True)))
    return items


class Stand_in:
    def __init__(self, log_path, reset_after=None, per_bucket=None):
        self.per_bucket = per_bucket
        self.cache = {}
        self.log = open(log_path, "a", buffering=1) if log_path else None
        self.lock = threading.Lock()
        self.reset_after = reset_after
        self.sent = 0
        self.resets = 0

    def bucket(self, start):
        if start not in self.cache:
            self.cache[start] = items_for_bucket(start, self.per_bucket)
        return self.cache[start]

    def record(self, bucket, key_index, stream_id):
        with self.lock:
            if self.log:
                self.log.write(json.dumps({"bucket": bucket, "key": key_index, "stream": stream_id}) + "\n")
            self.sent += 1
            if self.reset_after is not None and self.resets == 0 and self.sent >= self.reset_after:
                self.resets += 1
                return True
        return False

    def stream(self, request, context):
        stream_id = f"{time.time():.6f}"
        now = time.time()
        next_rollover = (int(now) // 15 + 1) * 15
        due = next_rollover - 30
        gte = request.start_time_gte
        if gte < 0:
            gte = int(now) + gte
        ring_start = (int(now) // 15) * 15 - 3600
        if gte > 0 and ring_start <= gte < due + 15:
            for bucket in range((gte // 15) * 15, due, 15):
                for key_index, data in self.bucket(bucket):
                    if self.record(bucket, key_index, stream_id):
                        context.abort(grpc.StatusCode.UNAVAILABLE, "stand-in: forced stream reset")
                    yield data
        rollover = next_rollover
        while context.is_active():
            time.sleep(max(0.0, rollover - time.time()))
            bucket = rollover - 30
            for key_index, data in self.bucket(bucket):
                if self.record(bucket, key_index, stream_id):
                    context.abort(grpc.StatusCode.UNAVAILABLE, "stand-in: forced stream reset")
                yield data
            rollover += 15


def serve(port, certs, log_path, reset_after, per_bucket=None):
    standin = Stand_in(log_path, reset_after, per_bucket)
    handler = grpc.method_handlers_generic_handler("goldmane.Flows", {
        "Stream": grpc.unary_stream_rpc_method_handler(
            standin.stream, request_deserializer=FlowStreamRequest.FromString, response_serializer=lambda data: data),
    })
    server = grpc.server(futures.ThreadPoolExecutor(max_workers=8))
    server.add_generic_rpc_handlers((handler,))
    read = lambda name: open(os.path.join(certs, name), "rb").read()
    credentials = grpc.ssl_server_credentials([(read("goldmane.key"), read("goldmane.crt"))],
                                              root_certificates=read("tigera-ca.crt"), require_client_auth=True)
    server.add_secure_port(f"127.0.0.1:{port}", credentials)
    server.start()
    print("ready", flush=True)
    server.wait_for_termination()


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--certs", required=True)
    parser.add_argument("--log", help="JSON lines of every item sent (tests)")
    parser.add_argument("--reset-after", type=int, help="abort the first stream with UNAVAILABLE after this many items")
    parser.add_argument("--items-per-bucket", type=int, help="benchmarks: this many distinct keys in every bucket")
    arguments = parser.parse_args()
    serve(arguments.port, arguments.certs, arguments.log, arguments.reset_after, arguments.items_per_bucket)
