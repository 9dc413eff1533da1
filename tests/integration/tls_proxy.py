# SPDX-License-Identifier: MIT
"""A TLS front for the simulator: certificates made with the openssl CLI at
test time (a CA, a server certificate it signs, a second CA that signed
nothing) and a small TLS-terminating proxy on 127.0.0.1 that forwards each
connection's plaintext to the simulator's port, so the bridge can be tested
against wss:// with verification."""
import os
import socket
import ssl
import subprocess
import threading


def _openssl(*args, cwd):
    subprocess.run(["openssl", *args], cwd=cwd, check=True, capture_output=True)


def make_ca(workdir, name):
    _openssl("req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2",
             "-subj", f"/CN={name}", "-keyout", f"{name}.key", "-out", f"{name}.pem", cwd=workdir)
    return os.path.join(workdir, f"{name}.pem")


def make_server_cert(workdir, ca, name, san):
    """A certificate for san (e.g. "IP:127.0.0.1") signed by ca; returns
    (cert, key) paths."""
    ext = os.path.join(workdir, f"{name}.ext")
    with open(ext, "w") as f:
        f.write(f"subjectAltName={san}\nbasicConstraints=CA:FALSE\n")
    _openssl("req", "-newkey", "rsa:2048", "-nodes", "-subj", f"/CN={name}",
             "-keyout", f"{name}.key", "-out", f"{name}.csr", cwd=workdir)
    _openssl("x509", "-req", "-in", f"{name}.csr", "-CA", f"{ca}.pem", "-CAkey", f"{ca}.key",
             "-CAcreateserial", "-days", "2", "-extfile", ext, "-out", f"{name}.pem", cwd=workdir)
    return os.path.join(workdir, f"{name}.pem"), os.path.join(workdir, f"{name}.key")


class TlsProxy:
    """Accepts TLS on 127.0.0.1:<port> and pipes each connection to
    127.0.0.1:<target_port>."""

    def __init__(self, cert, key, target_port):
        self.ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        self.ctx.load_cert_chain(cert, key)
        self.target_port = target_port
        self.listener = socket.socket()
        self.listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.listener.bind(("127.0.0.1", 0))
        self.listener.listen(16)
        self.port = self.listener.getsockname()[1]
        self.handshakes = 0
        self.closed = False
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self):
        while not self.closed:
            try:
                raw, _ = self.listener.accept()
            except OSError:
                return
            threading.Thread(target=self._serve, args=(raw,), daemon=True).start()

    def _serve(self, raw):
        try:
            tls = self.ctx.wrap_socket(raw, server_side=True)
        except (ssl.SSLError, OSError):
            raw.close()
            return
        self.handshakes += 1
        try:
            upstream = socket.create_connection(("127.0.0.1", self.target_port))
        except OSError:
            tls.close()
            return
        threading.Thread(target=self._pipe, args=(upstream, tls), daemon=True).start()
        self._pipe(tls, upstream)

    @staticmethod
    def _pipe(src, dst):
        try:
            while True:
                data = src.recv(65536)
                if not data:
                    break
                dst.sendall(data)
        except OSError:
            pass
        for s in (src, dst):
            try:
                s.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass

    def close(self):
        self.closed = True
        self.listener.close()
