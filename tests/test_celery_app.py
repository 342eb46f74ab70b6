"""The Celery app on the embedded default broker: kombu's filesystem transport gets the folders it writes into."""

from celery import Celery

from config.celery import filesystem_folders_ensure


def _app(broker_url: str, tmp_path, monkeypatch) -> Celery:
    monkeypatch.delenv("CELERY_BROKER_URL", raising=False)  # Celery lets it win over the broker_url set below
    app = Celery("probe", set_as_current=False)
    folders = {key: str(tmp_path / "broker" / key) for key in ("data_folder_in", "processed_folder", "control_folder")}
    app.conf.update(broker_url=broker_url, broker_transport_options=folders)
    return app


def test_a_fresh_checkout_gets_the_filesystem_broker_folders_and_a_publish_goes_through(tmp_path, monkeypatch):
    app = _app("filesystem://", tmp_path, monkeypatch)
    app.conf.broker_transport_options["data_folder_out"] = app.conf.broker_transport_options["data_folder_in"]
    filesystem_folders_ensure(app.conf)
    assert sorted(path.name for path in (tmp_path / "broker").iterdir()) == [
        "control_folder", "data_folder_in", "processed_folder",
    ]  # fmt: skip
    app.send_task("modelsync.probe")  # a real publish onto the filesystem transport
    assert len(list((tmp_path / "broker" / "data_folder_in").iterdir())) == 1


def test_other_brokers_get_no_folders(tmp_path, monkeypatch):
    filesystem_folders_ensure(_app("redis://127.0.0.1:6379/0", tmp_path, monkeypatch).conf)
    assert not (tmp_path / "broker").exists()
