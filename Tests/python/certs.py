"""Certificates for the mTLS tests, made with openssl: a CA, Goldmane's server certificate
with only its service DNS names (no IP, no localhost), a client certificate, and a client
certificate from another CA. The CA bundle has `# certificate name:` comment lines between
PEM blocks, as the operator writes them."""
import os
import subprocess

GOLDMANE_NAMES = ["goldmane", "goldmane.calico-system", "goldmane.calico-system.svc", "goldmane.calico-system.svc.cluster.local"]


def openssl(*arguments, cwd):
    subprocess.run(["openssl", *arguments], cwd=cwd, check=True, capture_output=True)


def make_ca(directory, name):
    openssl("ecparam", "-genkey", "-name", "prime256v1", "-noout", "-out", f"{name}.key", cwd=directory)
    openssl("req", "-x509", "-new", "-key", f"{name}.key", "-out", f"{name}.crt", "-days", "3", "-subj", f"/CN={name}",
            "-addext", "basicConstraints=critical,CA:TRUE", "-addext", "keyUsage=critical,keyCertSign,cRLSign", cwd=directory)


def make_leaf(directory, name, ca, extensions, days="3"):
    with open(os.path.join(directory, f"{name}.ext"), "w") as handle:
        handle.write(extensions)
    openssl("ecparam", "-genkey", "-name", "prime256v1", "-noout", "-out", f"{name}.key", cwd=directory)
    openssl("req", "-new", "-key", f"{name}.key", "-out", f"{name}.csr", "-subj", f"/CN={name}", cwd=directory)
    openssl("x509", "-req", "-in", f"{name}.csr", "-CA", f"{ca}.crt", "-CAkey", f"{ca}.key", "-CAcreateserial",
            "-out", f"{name}.crt", "-days", days, "-extfile", f"{name}.ext", cwd=directory)


def make_all(directory):
    os.makedirs(directory, exist_ok=True)
    make_ca(directory, "tigera-ca")
    make_ca(directory, "other-ca")
    make_leaf(directory, "goldmane", "tigera-ca",
              "subjectAltName=" + ",".join(f"DNS:{n}" for n in GOLDMANE_NAMES) + "\nextendedKeyUsage=serverAuth,clientAuth\n")
    make_leaf(directory, "client", "tigera-ca", "extendedKeyUsage=clientAuth\n")
    make_leaf(directory, "stranger", "other-ca", "extendedKeyUsage=clientAuth\n")
    read = lambda name: open(os.path.join(directory, name)).read()
    with open(os.path.join(directory, "tigera-ca-bundle.crt"), "w") as handle:
        handle.write("# certificate name: tigera-operator/tigera-ca-private\n" + read("tigera-ca.crt")
                     + "\n# certificate name: calico-system/goldmane-key-pair\n" + read("goldmane.crt"))
    return {name: os.path.join(directory, name) for name in os.listdir(directory)}


CA_CONFIG = """[ ca ]
default_ca = signer
[ signer ]
database = {name}.index
new_certs_dir = .
serial = {name}.serial
default_md = sha256
policy = anything
unique_subject = no
[ anything ]
commonName = supplied
"""


def make_dated_leaf(directory, name, ca, extensions, start, end):
    """A leaf valid from `start` to `end` (openssl's YYYYMMDDHHMMSSZ), signed with `openssl ca`."""
    with open(os.path.join(directory, f"{name}.ext"), "w") as handle:
        handle.write(extensions)
    with open(os.path.join(directory, f"{name}.cnf"), "w") as handle:
        handle.write(CA_CONFIG.format(name=name))
    open(os.path.join(directory, f"{name}.index"), "w").close()
    with open(os.path.join(directory, f"{name}.serial"), "w") as handle:
        handle.write("1000\n")
    openssl("ecparam", "-genkey", "-name", "prime256v1", "-noout", "-out", f"{name}.key", cwd=directory)
    openssl("req", "-new", "-key", f"{name}.key", "-out", f"{name}.csr", "-subj", f"/CN={name}", cwd=directory)
    openssl("ca", "-batch", "-notext", "-config", f"{name}.cnf", "-cert", f"{ca}.crt", "-keyfile", f"{ca}.key",
            "-in", f"{name}.csr", "-out", f"{name}.crt", "-startdate", start, "-enddate", end, "-extfile", f"{name}.ext",
            cwd=directory)


def make_faulty(directory):
    """Certificates that are wrong in one way each (call after make_all): a client certificate
    that expired, one not valid yet, Goldmane's certificate expired, a CA bundle whose second
    block is corrupt, and one whose last block has no END line."""
    client = "extendedKeyUsage=clientAuth\n"
    server = "subjectAltName=" + ",".join(f"DNS:{n}" for n in GOLDMANE_NAMES) + "\nextendedKeyUsage=serverAuth,clientAuth\n"
    make_dated_leaf(directory, "expired-client", "tigera-ca", client, "20200101000000Z", "20200201000000Z")
    make_dated_leaf(directory, "future-client", "tigera-ca", client, "20990101000000Z", "20990201000000Z")
    make_dated_leaf(directory, "expired-goldmane", "tigera-ca", server, "20200101000000Z", "20200201000000Z")
    read = lambda name: open(os.path.join(directory, name)).read()
    good = read("tigera-ca.crt")
    lines = good.strip().splitlines()
    damaged = "\n".join([lines[0], lines[1][:10] + "!!!!" + lines[1][14:]] + lines[2:]) + "\n"
    with open(os.path.join(directory, "corrupt-bundle.crt"), "w") as handle:
        handle.write("# certificate name: good\n" + good + "# certificate name: damaged\n" + damaged + "# certificate name: goldmane\n" + read("goldmane.crt"))
    # A bundle cut short: its last certificate begins and never ends.
    with open(os.path.join(directory, "cut-bundle.crt"), "w") as handle:
        handle.write("# certificate name: good\n" + good + "# certificate name: cut\n" + "\n".join(lines[:3]) + "\n")
    return {name: os.path.join(directory, name) for name in os.listdir(directory)}
