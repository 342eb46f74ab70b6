"""SSRF: where a webhook may point, checked in the admin form and again at every send, against real loopback listeners
that must receive nothing; the delivery connects to the address it checked (no second lookup: DNS rebinding)."""

import datetime
import ipaddress
import socket
import ssl
from urllib.parse import urlsplit

import pytest
import urllib3
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID
from django.conf import settings as django_settings
from django.urls import reverse
from hypothesis import given
from hypothesis import strategies as st
from urllib3.util import parse_url

from modelsync.changes.outbox import delivery_attempt, outbox_drain, url_refusal
from modelsync.changes.signing import endpoint_secret_reset
from modelsync.changes.targets import TargetRefused, address_kind, target_check
from modelsync.models import Event, WebhookDelivery, WebhookEndpoint
from tests.modelsync.changes.receiver import Receiver

PUBLIC = "93.184.215.14"  # a public address; tests route connections to it to a loopback receiver of their own

# (URL with {port} for the loopback receiver, words the refusal must contain). Each would reach 127.0.0.1 or the
# metadata address if it were let through.
REFUSED = [
    ("http://127.0.0.1:{port}\\@8.8.8.8/", "backslash"),  # urllib.parse reads 8.8.8.8, urllib3 connects to loopback
    ("http://127.0.0.1:{port}\\@169.254.169.254/", "backslash"),
    ("http://8.8.8.8:{port}@127.0.0.1:{port}/", "user name or password"),
    ("http://user:pw@127.0.0.1:{port}/", "user name or password"),
    ("http://127.0.0.1:{port}/hook", "127.0.0.1 is a loopback address; webhooks go to public addresses only"),
    ("http://2130706433:{port}/hook", "2130706433 (127.0.0.1) is a loopback address"),
    ("http://0x7f.1:{port}/hook", "0x7f.1 (127.0.0.1) is a loopback address"),
    ("http://0177.0.0.1:{port}/hook", "0177.0.0.1 (127.0.0.1) is a loopback address"),
    ("http://127.1:{port}/hook", "127.1 (127.0.0.1) is a loopback address"),
    ("http://0x7f000001:{port}/hook", "(127.0.0.1) is a loopback address"),
    ("http://[::ffff:127.0.0.1]:{port}/hook", "IPv4-mapped IPv6 address (of 127.0.0.1)"),
    ("http://[::ffff:7f00:1]:{port}/hook", "IPv4-mapped IPv6 address (of 127.0.0.1)"),
    ("http://[::1]:{port}/hook", "::1 is a loopback address"),
    ("http://localhost:{port}/hook", "localhost resolves to"),
    ("http://0.0.0.0:{port}/hook", "0.0.0.0 is an unspecified address"),
    ("http://169.254.169.254/latest/meta-data", "169.254.169.254 is a link-local address"),
    ("http://[fe80::1]/x", "link-local"),
    ("http://10.1.2.3/x", "10.1.2.3 is a private address"),
    ("http://192.168.0.10/x", "private address"),
    ("http://224.0.0.1/x", "224.0.0.1 is a multicast address"),
    ("http://240.0.0.1/x", "240.0.0.1 is a"),  # reserved (Python names 240/4 private too)
    ("http://100.64.0.1/x", "not a public address"),  # carrier-grade NAT
    ("http://[2002:7f00:1::]/x", "6to4 address of 127.0.0.1"),
    ("http://93.184.215.14:0/x", "Port 0 is not a port to deliver to"),
    ("http://-bad-.example.com/x", "is not a host name or an IP address"),
    ("http://exa%6dple.com/x", "URL parsers read the host of"),  # urllib3 decodes it to example.com, urlsplit not
    ("http://hooks .example.com/x", "plain ASCII without spaces"),
    ("https://bücher.example/x", "write an international name as xn--"),
    ("ftp://93.184.215.14/x", "Enter an http:// or https:// URL."),
    ("hooks.example.com/x", "Enter an http:// or https:// URL."),
]
ANY_CASE = [case for case in REFUSED if "{port}" in case[0]]


@pytest.fixture
def listener(settings):
    """A loopback receiver that must receive nothing; private targets are refused (the default)."""
    settings.MODELSYNC_WEBHOOK_ALLOW_PRIVATE = False
    settings.MODELSYNC_WEBHOOK_TIMEOUT = 1.0
    receiver = Receiver()
    yield receiver
    receiver.close()


def with_port(url: str, receiver: Receiver) -> str:
    return url.format(port=receiver.server.server_port)


def endpoint_at(url: str) -> WebhookEndpoint:
    """An endpoint saved past the form (as an older release or a database edit could have left it)."""
    endpoint = WebhookEndpoint(name="target", url=url)
    endpoint_secret_reset(endpoint)
    endpoint.save()
    return endpoint


def send_one_event() -> WebhookDelivery:
    Event.objects.create(type="source.failing", data={"source": "gateway"})
    for pk in outbox_drain():
        delivery_attempt(pk)
    return WebhookDelivery.objects.get()


# --- The rule itself ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize(("url", "words"), REFUSED)
def test_each_non_public_or_ambiguous_target_is_refused_with_a_readable_reason(url, words):
    with pytest.raises(TargetRefused) as refused:
        target_check(url.format(port=18600))
    assert words in str(refused.value)


def test_the_old_error_text_is_gone():
    refusal = url_refusal("http://127.0.0.1/")
    assert refusal.startswith("127.0.0.1 is a loopback address; webhooks go to public addresses only")
    assert "is 127.0.0.1," not in refusal and "MODELSYNC_WEBHOOK_ALLOW_PRIVATE=1" in refusal


def test_allowing_private_targets_lifts_the_address_rule_only(settings):
    settings.MODELSYNC_WEBHOOK_ALLOW_PRIVATE = True
    assert url_refusal("http://127.0.0.1:8080/hook") is None and url_refusal("http://[::1]/x") is None
    assert "backslash" in url_refusal("http://127.0.0.1:8080\\@8.8.8.8/")
    assert "user name or password" in url_refusal("http://a@127.0.0.1/")
    assert url_refusal("http://127.1/") == "127.1 is 127.0.0.1 written another way; write the address as 127.0.0.1."


def test_private_targets_are_refused_by_default():
    assert django_settings.MODELSYNC_WEBHOOK_ALLOW_PRIVATE is False  # tests that use loopback receivers opt in


def test_a_public_target_is_the_address_to_connect_to_and_the_name_to_speak_to():
    target = target_check("https://hooks.example.com:8443/in?x=1#frag", resolve=lambda host, port: [PUBLIC])
    assert (target.address, target.host, target.port, target.request_uri) == (PUBLIC, "hooks.example.com", 8443,
                                                                              "/in?x=1")  # fmt: skip
    assert (target.host_header, target.tls_name) == ("hooks.example.com:8443", "hooks.example.com")
    assert target_check("https://hooks.example.com/x", resolve=lambda host, port: [PUBLIC]).host_header == (
        "hooks.example.com"  # the default port is not written
    )
    literal = target_check(f"http://{PUBLIC}/")
    assert (literal.host_header, literal.tls_name, literal.address) == (PUBLIC, None, PUBLIC)


def test_a_name_with_any_non_public_address_is_refused():
    with pytest.raises(TargetRefused, match=r"resolves to 10\.0\.0\.7, a private address"):
        target_check("https://hooks.example.com/", resolve=lambda host, port: [PUBLIC, "10.0.0.7"])
    with pytest.raises(TargetRefused, match="does not resolve"):
        target_check("https://hooks.example.com/", resolve=lambda host, port: [])


NON_PUBLIC_V4 = st.one_of(
    *(st.ip_addresses(network=network) for network in ("127.0.0.0/8", "10.0.0.0/8", "169.254.0.0/16",
                                                       "192.168.0.0/16", "172.16.0.0/12", "0.0.0.0/8"))
)  # fmt: skip


def _written(address: ipaddress.IPv4Address, form: str) -> str:
    """`address` in one of the forms the system resolver (inet_aton) reads as an IPv4 address."""
    number, octets = int(address), address.packed
    return {
        "decimal": str(number),
        "hex": hex(number),
        "octal-octets": ".".join(f"0{octet:o}" for octet in octets),
        "hex-octets": ".".join(hex(octet) for octet in octets),
        "a.b": f"{octets[0]}.{number & 0xFFFFFF}",
        "a.b.c": f"{octets[0]}.{octets[1]}.{number & 0xFFFF}",
    }[form]


@given(NON_PUBLIC_V4, st.sampled_from(["decimal", "hex", "octal-octets", "hex-octets", "a.b", "a.b.c"]))
def test_every_numeric_form_of_a_non_public_ipv4_address_is_refused(address, form):
    host = _written(address, form)
    assert socket.inet_aton(host) == address.packed  # the form really means the address
    with pytest.raises(TargetRefused) as refused:
        target_check(f"http://{host}/hook")
    assert f"({address}) is" in str(refused.value) or f"{address} is" in str(refused.value)


@given(st.ip_addresses(v=4).filter(lambda address: address_kind(address) is not None))
def test_an_ipv4_mapped_form_of_any_address_is_refused(address):
    with pytest.raises(TargetRefused, match="IPv4-mapped"):
        target_check(f"http://[::ffff:{address}]/")


URL_PIECES = st.lists(
    st.sampled_from(["http://", "https://", "127.0.0.1", PUBLIC, "hooks.example.com", ":8080", "\\", "@", "/", "?",
                     "#", "%2f", "%40", "[", "]", "::1", "user:pw", ".", "0x7f", "%", ";", "hook"]),
    min_size=1, max_size=8,
)  # fmt: skip


@given(URL_PIECES)
def test_whatever_is_accepted_both_parsers_read_alike_and_is_public(pieces):
    url = "".join(pieces)
    try:
        target = target_check(url, resolve=lambda host, port: [PUBLIC])
    except TargetRefused:
        return
    theirs, ours = urlsplit(url), parse_url(url)
    assert theirs.hostname == ours.host.strip("[]").lower() == target.host
    assert address_kind(ipaddress.ip_address(target.address)) is None and "\\" not in url
    assert "@" not in theirs.netloc and ours.auth is None


# --- In the admin form, and at send time with a real loopback listener -------------------------------------------


@pytest.mark.django_db
@pytest.mark.parametrize(("url", "words"), REFUSED)
def test_the_admin_form_refuses_each_target_and_says_why(admin_client, listener, url, words):
    response = admin_client.post(reverse("admin:modelsync_webhookendpoint_add"),
                                 {"name": "x", "url": with_port(url, listener), "enabled": "on"})  # fmt: skip
    assert response.status_code == 200 and not WebhookEndpoint.objects.exists()
    assert words in response.content.decode().replace("&#x27;", "'").replace("&quot;", '"')


@pytest.mark.django_db
@pytest.mark.parametrize(("url", "words"), ANY_CASE)
def test_at_send_time_each_target_is_refused_and_the_listener_hears_nothing(listener, url, words):
    endpoint_at(with_port(url, listener))
    delivery = send_one_event()
    assert words in delivery.last_error and delivery.last_status_code is None and delivery.status == "pending"
    assert listener.received == []


@pytest.mark.django_db
@pytest.mark.parametrize("url", ["http://127.0.0.1:{port}\\@8.8.8.8/", "http://127.0.0.1\\@8.8.8.8:{port}/",
                                 "http://127.1:{port}/hook"])  # fmt: skip
def test_allowing_private_targets_never_lets_an_ambiguous_url_through(listener, settings, url):
    settings.MODELSYNC_WEBHOOK_ALLOW_PRIVATE = True
    endpoint_at(with_port(url, listener))
    assert send_one_event().last_error and listener.received == []


@pytest.fixture
def routed(monkeypatch):
    """Test DNS and routing: `names` maps a name to the answers of its successive lookups (the last repeats);
    a connection to PUBLIC goes to the `public` receiver on loopback, as the internet would carry it there."""
    real_getaddrinfo, real_connect = socket.getaddrinfo, urllib3.util.connection.create_connection
    names: dict[str, list[str]] = {}
    lookups: list[str] = []
    public = Receiver()

    def getaddrinfo(host, port, *args, **kwargs):
        if host not in names:
            return real_getaddrinfo(host, port, *args, **kwargs)
        lookups.append(host)
        answers = names[host]
        address = answers.pop(0) if len(answers) > 1 else answers[0]
        return [(socket.AF_INET, socket.SOCK_STREAM, 6, "", (address, port))]

    def create_connection(address, *args, **kwargs):
        if address[0] == PUBLIC:
            address = ("127.0.0.1", public.server.server_port)
        return real_connect(address, *args, **kwargs)

    monkeypatch.setattr(socket, "getaddrinfo", getaddrinfo)
    monkeypatch.setattr(urllib3.util.connection, "create_connection", create_connection)
    yield names, lookups, public
    public.close()


@pytest.mark.django_db
def test_a_name_that_answers_public_then_loopback_never_reaches_loopback(listener, routed, admin_client):
    names, lookups, public = routed
    url = f"http://rebind.test:{listener.server.server_port}/hook"
    names["rebind.test"] = [PUBLIC]
    admin_client.post(reverse("admin:modelsync_webhookendpoint_add"), {"name": "x", "url": url, "enabled": "on"})
    assert WebhookEndpoint.objects.get().url == url  # the form saw a public address

    names["rebind.test"] = [PUBLIC, "127.0.0.1"]  # the send's lookup is public; any later one would be loopback
    lookups.clear()
    delivery = send_one_event()
    assert lookups == ["rebind.test"]  # resolved once
    assert (delivery.status, delivery.last_status_code) == ("succeeded", 200) and listener.received == []
    (received,) = public.received
    assert received.headers["Host"] == f"rebind.test:{listener.server.server_port}"  # the name, not the address


@pytest.mark.django_db
def test_a_name_that_turns_loopback_by_send_time_is_refused(listener, routed):
    names, _, public = routed
    names["rebind.test"] = ["127.0.0.1"]
    endpoint_at(f"http://rebind.test:{listener.server.server_port}/hook")
    delivery = send_one_event()
    assert delivery.last_error.startswith("rebind.test resolves to 127.0.0.1, a loopback address")
    assert listener.received == [] and public.received == []


@pytest.mark.django_db
def test_an_allowed_private_name_is_still_connected_to_by_its_checked_address(listener, routed, settings):
    names, lookups, _ = routed
    settings.MODELSYNC_WEBHOOK_ALLOW_PRIVATE = True
    names["hooks.test"] = ["127.0.0.1", "10.9.9.9"]  # a second lookup would go nowhere
    endpoint_at(f"http://hooks.test:{listener.server.server_port}/hook?team=1")
    assert send_one_event().status == "succeeded" and lookups == ["hooks.test"]
    (received,) = listener.received
    assert received.headers["Host"] == f"hooks.test:{listener.server.server_port}"


# --- https: the certificate is checked against the URL's name, sent as the server name, on the checked address ---


def _certificate(tmp_path, name: str) -> tuple[str, str]:
    """A self-signed certificate for `name` (and its key), as files."""
    key = ec.generate_private_key(ec.SECP256R1())
    subject = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, name)])
    now = datetime.datetime.now(datetime.UTC)
    certificate = (
        x509.CertificateBuilder().subject_name(subject).issuer_name(subject).public_key(key.public_key())
        .serial_number(x509.random_serial_number()).not_valid_before(now - datetime.timedelta(minutes=5))
        .not_valid_after(now + datetime.timedelta(days=1))
        .add_extension(x509.SubjectAlternativeName([x509.DNSName(name)]), critical=False)
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )  # fmt: skip
    cert_file, key_file = tmp_path / f"{name}.pem", tmp_path / f"{name}.key"
    cert_file.write_bytes(certificate.public_bytes(serialization.Encoding.PEM))
    key_file.write_bytes(key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                           serialization.NoEncryption()))  # fmt: skip
    return str(cert_file), str(key_file)


@pytest.fixture
def tls_receiver(tmp_path, monkeypatch, settings):
    """A loopback https receiver whose certificate names hooks.test, trusted by this process; records the SNI."""
    settings.MODELSYNC_WEBHOOK_ALLOW_PRIVATE = True
    settings.MODELSYNC_WEBHOOK_TIMEOUT = 2.0
    cert_file, key_file = _certificate(tmp_path, "hooks.test")
    monkeypatch.setenv("SSL_CERT_FILE", cert_file)  # the default trust store is read when a context loads it
    receiver = Receiver()
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(cert_file, key_file)
    receiver.server_names = []
    context.sni_callback = lambda sock, server_name, ctx: receiver.server_names.append(server_name)
    receiver.server.socket = context.wrap_socket(receiver.server.socket, server_side=True)
    yield receiver
    receiver.close()


@pytest.mark.django_db
def test_https_verifies_the_urls_name_on_the_checked_address(tls_receiver, routed):
    names, lookups, _ = routed
    names["hooks.test"] = ["127.0.0.1", "10.9.9.9"]
    port = tls_receiver.server.server_port
    endpoint_at(f"https://hooks.test:{port}/hook")
    delivery = send_one_event()
    assert (delivery.status, delivery.last_error) == ("succeeded", "") and lookups == ["hooks.test"]
    assert tls_receiver.server_names == ["hooks.test"]
    assert tls_receiver.received[0].headers["Host"] == f"hooks.test:{port}"


@pytest.mark.django_db
def test_https_refuses_a_certificate_for_another_name(tls_receiver, routed):
    names, _, _ = routed
    names["other.test"] = ["127.0.0.1"]
    endpoint_at(f"https://other.test:{tls_receiver.server.server_port}/hook")
    delivery = send_one_event()
    assert delivery.status == "pending" and delivery.last_error.startswith("SSLError")
    assert tls_receiver.received == []
