# SPDX-License-Identifier: MIT
"""A TCP tap between the bridge and the simulator's WebSocket: it forwards
both ways, decodes the frames the bridge sends (unmasked, recorded as
(opcode, payload)), and injects raw bytes towards the bridge only between
the simulator's frames, so a test can send what the simulator never would
(pings, bad frames, a close) and see what the bridge answers."""
import socket
import struct
import threading


class FrameCursor:
    """Follows a WebSocket byte stream after the HTTP header: knows whether
    the bytes so far end on a frame boundary. masked: client frames."""

    def __init__(self, masked):
        self.masked = masked
        self.header_done = False
        self.head = b""
        self.buf = b""
        self.remaining = 0
        self.frames = []  # complete frames: (opcode, payload), payload unmasked

    def at_boundary(self):
        return self.header_done and not self.buf and self.remaining == 0

    def feed(self, data):
        if not self.header_done:
            self.head += data
            end = self.head.find(b"\r\n\r\n")
            if end < 0:
                return
            self.header_done = True
            data = self.head[end + 4:]
        self.buf += data
        while self._one_frame():
            pass

    def _one_frame(self):
        b = self.buf
        if len(b) < 2:
            return False
        n, off = b[1] & 0x7F, 2
        if n == 126:
            if len(b) < 4:
                return False
            n, off = struct.unpack(">H", b[2:4])[0], 4
        elif n == 127:
            if len(b) < 10:
                return False
            n, off = struct.unpack(">Q", b[2:10])[0], 10
        key = b""
        if b[1] & 0x80:
            key, off = b[off:off + 4], off + 4
        if len(b) < off + n:
            self.remaining = off + n - len(b)
            return False
        payload = b[off:off + n]
        if key:
            payload = bytes(c ^ key[i % 4] for i, c in enumerate(payload))
        self.frames.append((b[0] & 0x0F, payload))
        self.buf = b[off + n:]
        self.remaining = 0
        return True


class WsTap:
    def __init__(self, target_port):
        self.target_port = target_port
        self.listener = socket.socket()
        self.listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.listener.bind(("127.0.0.1", 0))
        self.listener.listen(8)
        self.port = self.listener.getsockname()[1]
        self.lock = threading.Lock()
        self.conns = []  # (client socket, server cursor, client cursor, pending)
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self):
        while True:
            try:
                client, _ = self.listener.accept()
            except OSError:
                return
            try:
                server = socket.create_connection(("127.0.0.1", self.target_port))
            except OSError:
                client.close()
                continue
            conn = {"client": client, "down": FrameCursor(False), "up": FrameCursor(True),
                    "pending": []}
            with self.lock:
                self.conns.append(conn)
            threading.Thread(target=self._down, args=(server, conn), daemon=True).start()
            threading.Thread(target=self._up, args=(client, server, conn), daemon=True).start()

    def _down(self, server, conn):
        """Simulator to bridge, injections at frame boundaries."""
        client = conn["client"]
        try:
            while True:
                data = server.recv(65536)
                if not data:
                    break
                with self.lock:
                    client.sendall(data)
                    conn["down"].feed(data)
                    self._flush(conn)
        except OSError:
            pass
        _close(client, server)

    def _up(self, client, server, conn):
        try:
            while True:
                data = client.recv(65536)
                if not data:
                    break
                with self.lock:
                    conn["up"].feed(data)
                server.sendall(data)
        except OSError:
            pass
        _close(client, server)

    def _flush(self, conn):
        if conn["down"].at_boundary():
            while conn["pending"]:
                conn["client"].sendall(conn["pending"].pop(0))

    def inject(self, raw):
        """Sends raw bytes to the newest connection at the next boundary."""
        with self.lock:
            conn = self.conns[-1]
            conn["pending"].append(raw)
            try:
                self._flush(conn)
            except OSError:
                pass

    def sent_frames(self, index=-1):
        with self.lock:
            return list(self.conns[index]["up"].frames) if self.conns else []

    def connections(self):
        with self.lock:
            return len(self.conns)

    def close(self):
        self.listener.close()


def _close(*socks):
    for s in socks:
        try:
            s.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass


def frame(opcode, payload=b"", fin=True, rsv=0, length=None):
    """A server frame (unmasked); length overrides the encoded length."""
    n = len(payload) if length is None else length
    head = bytes([(0x80 if fin else 0) | rsv | opcode])
    if n < 126:
        head += bytes([n])
    elif n < 65536:
        head += bytes([126]) + struct.pack(">H", n)
    else:
        head += bytes([127]) + struct.pack(">Q", n)
    return head + payload
