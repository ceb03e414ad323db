"""Publishing province settlement statements (bảng kê quyết toán) to each province's SFTP outbox.

The statements themselves are rendered elsewhere (``reports.statements``);
this module only delivers files: for each ``[[publish]]`` entry, the files
of its province whose format it asks for are uploaded under a temporary
name and renamed, so the province never picks up half a file. The same
pinned host keys, credentials and retries as fetching apply
(:class:`adapters.sftp.SftpSource`). One province's failure does not stop
the others.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Protocol

from adapters.settings import PublishSettings
from adapters.sftp import SftpSource, refusal
from reconcile.errors import ConfigError, TransferError


class RemoteOutbox(Protocol):
    """What publishing needs from an endpoint (``SftpSource``)."""

    def upload(self, local: Path, name: str) -> None: ...

    def close(self) -> None: ...


@dataclass(frozen=True, slots=True)
class ProvincePublication:
    """What reached one province's outbox.

    Attributes:
        uploaded: file names now in the outbox.
        failure: why the rest did not get there, else ``None``.
    """

    province: str
    uploaded: tuple[str, ...] = ()
    failure: str | None = None


@dataclass(frozen=True, slots=True)
class PublishSummary:
    """Every province's publication, and the provinces with files but no outbox configured."""

    provinces: tuple[ProvincePublication, ...] = ()
    unconfigured: tuple[str, ...] = field(default=())

    @property
    def ok(self) -> bool:
        return all(p.failure is None for p in self.provinces)


def publish_statements(
    targets: Sequence[PublishSettings],
    files: Mapping[str, Sequence[Path]],
    *,
    connect: Callable[[PublishSettings], RemoteOutbox] = SftpSource,
) -> PublishSummary:
    """Upload each province's files (``province code → local files``) to its configured outbox."""
    by_province = {t.province: t for t in targets}
    published = tuple(
        publish_province(by_province[province], paths, connect=connect)
        for province, paths in sorted(files.items())
        if province in by_province
    )
    unconfigured = tuple(sorted(p for p in files if p not in by_province))
    return PublishSummary(provinces=published, unconfigured=unconfigured)


def publish_province(
    target: PublishSettings,
    paths: Sequence[Path],
    *,
    connect: Callable[[PublishSettings], RemoteOutbox] = SftpSource,
) -> ProvincePublication:
    """Upload the files whose format (suffix) the target asks for; stop at the first failure."""
    wanted = [p for p in paths if p.suffix.lstrip(".").lower() in target.formats]
    uploaded: list[str] = []
    outbox = None
    try:
        for path in wanted:
            if refusal(path.name):
                raise ConfigError(f"{path.name!r} cannot be published: not a plain file name")
        outbox = connect(target)
        for path in wanted:
            outbox.upload(path, path.name)
            uploaded.append(path.name)
    except (TransferError, ConfigError) as exc:
        return ProvincePublication(target.province, tuple(uploaded), failure=str(exc))
    finally:
        if outbox is not None:
            outbox.close()
    return ProvincePublication(target.province, tuple(uploaded))
