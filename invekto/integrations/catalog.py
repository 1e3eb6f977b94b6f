"""The tenant's marketplace catalogue for the agents: products_cache, refreshed on demand.

Like the orders cache, the marketplace stays the truth: a lookup refreshes the mirror when it is
older than ``settings.order_cache_fresh_minutes``, and when the marketplace is down it answers from
the (stale) mirror and says so; with nothing mirrored it raises :class:`MarketplaceUnavailable`.

Every query runs in a tenant session (row-level security) and also filters on the tenant id.
Customers are offered only approved, non-archived products; a variant is in stock when its
quantity is above zero and it is on sale.
"""

from __future__ import annotations

import datetime as dt
import logging
import math
import re
import uuid
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from sqlalchemy import delete, func, select
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import defer, with_expression

from invekto.core.text import fold, words
from invekto.integrations.glossary import arabic_stems, turkish_words
from invekto.integrations.orders import MarketplaceUnavailable
from invekto.integrations.trendyol import TrendyolError, TrendyolProduct
from invekto.nlu.entities import _COLORS as NLU_COLORS
from invekto.nlu.entities import colors_in, extract
from invekto.storage.models import IntegrationAccount, ProductCache, utcnow

if TYPE_CHECKING:
    from invekto.integrations.access import MarketplaceAccess

log = logging.getLogger(__name__)

SYNCED_AT_KEY = "products_synced_at"
"""Where in ``IntegrationAccount.sync_cursor`` the last successful catalogue refresh is noted."""
ERROR_KEY = "products_last_error"
_UPSERT_CHUNK = 500
_MIN_PREFIX = 4

_COLOR_WORD = re.compile(r"\b(" + "|".join(sorted(NLU_COLORS, key=len, reverse=True)) + r")\w*")
_STOP_WORDS = frozenset(
    """
    var mi mu misiniz musunuz mevcut yok stok stokta stokunuz stoklarda elinizde kaldi kalmis
    beden bedeni bedenin bedeniniz bedenleri numara numarasi numarali no size renk rengi renkleri
    renkli urun urunu urununuz bir bu su o ve ile icin de da ki acaba lutfen tane adet kac ne
    hangi kadar fiyat fiyati tl almak alabilir alabilirmiyim istiyorum isterim olur olsun toptan
    toplu siparis var mi mi do you have is are any in the a an of for stock available colour color
    """.split()
)
_FOLLOW_UP_WORDS = frozenset(
    """
    peki o bu su onun bunun sunun ondan bundan olan olani olanin olanlar zaman hala ayni aynisi
    ama ya yine tekrar daha baska de da ki mi mu mı ne nedir kac kaca para tutar kadar fiyat
    fiyati fiyatlari ucret ucreti ay yas rengi renk bedeni beden bedenler numarasi kaldi
    kalmis kaldimi var varmi mevcut stokta stok acaba lutfen simdi sadece tam ok tamam olsa
    olsun olur olursa olabilir digeri digerinin oburu oburunun alayim alsam bakalim
    pardon degil yerine misiniz musunuz bakar bakabilir bakabilirmisiniz sorry meant typo mean
    actually numara numarasi numaranin numarali numarayi lazim gerek demek istedim istiyorum
    soracaktim soruyorum sordum ayni hayir evet yok iste bana bize ben biz sen siz same age ages
    size sizes year years old instead then ok okay no yes stoga stogu stoktan stoklara girecek
    gelecek tekrar yeniden again back restock restocked make made instead oops
    it its they them this that these those one ones also too and what whats about how much many
    price prices cost costs still got have has there size sizes colour color does do is are in
    the a an of for available stock true to fit fits ok okay then please pls same other another
    with any what about how would
    هل كم سعر سعره سعرها السعر بكم يوجد موجود موجوده متوفر متوفره يتوفر عندكم لديكم مقاس
    بمقاس المقاس قياس لون اللون باللون ايضا منه منها هذا هذه نفس هي هو لها له متوفره متوفرين
    وهل طيب و
    """.split()
)
"""Words a follow-up about the product just discussed is made of ("L de var mı peki?",
"siyahı kaldı mı", "and how much is it?", "وكم سعره؟"): a question with nothing else names no
new product."""
PRODUCT_TYPES = frozenset(
    """
    gomlek pantolon elbise etek ceket mont kaban parka yelek kazak hirka sweatshirt tisort bluz
    tunik tayt esofman sort jean kot takim tulum body zibin pijama gecelik atlet boxer sutyen
    mayo bikini ayakkabi bot cizme sandalet terlik sneaker babet topuklu canta sirt cuzdan kemer
    sapka bere atki sal eldiven corap gozluk saat kolye kupe bileklik yuzuk kulaklik telefon kilif
    sarj powerbank parfum krem sampuan havlu nevresim yastik battaniye hali perde kupa bardak
    tabak tencere oyuncak
    """.split()
)
"""Folded product-type nouns: a question naming one ("keten pantolon") is only about products of
that type, even when another word ("keten") matches something else. The tenant's own category
words are added to these."""
_SIZE_NOISE = frozenset(
    {"beden", "bedeni", "numara", "numarasi", "no", "size", "yas", "yasinda", "ay", "aylik", "eu"}
)
_LETTER_SIZES = ("xxs", "xs", "s", "m", "l", "xl", "2xl", "3xl", "4xl", "5xl")
_LETTER_ALIASES = {
    "xxl": "2xl",
    "xxxl": "3xl",
    "xxxxl": "4xl",
    "small": "s",
    "medium": "m",
    "large": "l",
}


# --- matching helpers -----------------------------------------------------------------------------


def canonical_color(value: str | None) -> str | None:
    """A colour as the NLU names it ("Siyah", "black" → "siyah"; "Açık Mavi" → "mavi");
    colours the NLU does not know come back lower-cased in Turkish ("Çok Renkli" → "çok renkli")."""
    if not value or not value.strip():
        return None
    match = _COLOR_WORD.search(fold(value))
    if match:
        return NLU_COLORS[match.group(1)]
    return " ".join(value.replace("I", "ı").replace("İ", "i").lower().split())


def size_key(value: str | None) -> str | None:
    """A comparable size: "M beden" → "m", "XXL" → "2xl", "42 numara" → "42",
    "7-8 Yaş" → "7-8", "6-9 ay" → "6-9"."""
    if not value:
        return None
    tokens = [t for t in re.findall(r"[a-z0-9]+", fold(value)) if t not in _SIZE_NOISE]
    if not tokens:
        return None
    key = "-".join(tokens)
    return _LETTER_ALIASES.get(key, key)


def size_matches(asked: str | None, size: str | None) -> bool:
    """Whether the variant's ``size`` is the ``asked`` one; a single number also matches a range
    that contains it ("8" → "7-8 Yaş", "41" → "39-42")."""
    wanted, have = size_key(asked), size_key(size)
    if wanted is None:
        return True
    if have is None:
        return False
    if wanted == have:
        return True
    bounds = have.split("-")
    if wanted.isdigit() and len(bounds) == 2 and all(b.isdigit() for b in bounds):
        return int(bounds[0]) <= int(wanted) <= int(bounds[1])
    return False


def color_matches(asked: str | None, color: str | None) -> bool:
    wanted = canonical_color(asked)
    return wanted is None or wanted == canonical_color(color)


def in_stock(row: ProductCache) -> bool:
    return row.quantity > 0 and row.on_sale


def size_rank(size: str | None) -> tuple[int, float, str]:
    """Letter sizes in wearing order, then numbers and ranges by their first number."""
    key = size_key(size) or ""
    if key in _LETTER_SIZES:
        return (0, float(_LETTER_SIZES.index(key)), key)
    number = re.match(r"\d+", key)
    if number:
        return (1, float(number.group()), key)
    return (2, 0.0, key)


def variant_order(row: ProductCache) -> tuple[Any, ...]:
    return (canonical_color(row.color) or "", size_rank(row.size), row.barcode)


# --- rows -----------------------------------------------------------------------------------------


def product_row(account: IntegrationAccount, product: TrendyolProduct) -> dict[str, Any]:
    """The products_cache columns for one Trendyol variant."""
    return {
        "tenant_id": account.tenant_id,
        "integration_account_id": account.id,
        "provider": account.provider,
        "barcode": product.barcode[:64],
        "stock_code": (product.stock_code or "")[:100],
        "product_main_id": (product.product_main_id or "")[:100],
        "title": product.title[:500],
        "brand": (product.brand or "")[:200],
        "category": (product.category_name or "")[:200],
        "color": _cut(product.colour, 100),
        "size": _cut(product.size, 50),
        "quantity": max(product.quantity, 0),
        "list_price": product.list_price,
        "sale_price": product.sale_price,
        "on_sale": product.on_sale is not False,
        "product_url": _cut(product.product_url, 500),
        "raw": product.raw,
        "synced_at": utcnow(),
    }


def _cut(value: str | None, length: int) -> str | None:
    return value[:length] if value else None


@dataclass(frozen=True, slots=True)
class ProductLookup:
    products: list[ProductCache]
    stale: bool = False
    """True when the marketplace failed and these rows are the last known state."""


# --- the catalogue --------------------------------------------------------------------------------


class Catalog:
    """One tenant's catalogue. Cheap to create: make one per tool call. The first lookup
    refreshes the mirror when needed; later lookups on the same object reuse that outcome."""

    def __init__(
        self,
        services: MarketplaceAccess,
        tenant_id: uuid.UUID,
        *,
        fresh: dt.timedelta | None = None,
    ) -> None:
        self._services = services
        self._tenant_id = tenant_id
        self._fresh = (
            fresh
            if fresh is not None
            else dt.timedelta(minutes=services.settings.order_cache_fresh_minutes)
        )
        self._stale: bool | None = None

    # public lookups

    async def refresh(self) -> bool:
        """Bring the mirror up to date unless it is fresh; True when it could not be and the
        mirror is stale. Raises MarketplaceUnavailable when it failed and nothing is mirrored."""
        if self._stale is not None:
            return self._stale
        accounts = await self._accounts()
        failures = 0
        for account in accounts:
            try:
                await self._refresh_account(account.id)
            except TrendyolError:
                failures += 1
        if failures and not await self._has_rows():
            raise MarketplaceUnavailable(f"catalogue of tenant {self._tenant_id}")
        self._stale = failures > 0
        return self._stale

    async def search(
        self,
        text: str,
        *,
        size: str | None = None,
        color: str | None = None,
        infer_filters: bool = True,
        limit: int = 40,
    ) -> ProductLookup:
        """Variants of the products that best match ``text`` (Turkish-folded word overlap on
        title, category and brand, rarer words weighing more), filtered by ``size`` / ``color``.

        With ``infer_filters``, a colour or size written in ``text`` ("siyah tişört", "gömlek M
        beden") is used as the filter when the argument is not given. Best products first;
        within a product by colour and size.
        """
        stale = await self.refresh()
        if infer_filters and not (size and color):
            entities = extract(text)
            color = color or next(iter(entities.colors), None)
            size = size or next(iter(entities.sizes), None)
        rows = await self._rows()
        ranked = _rank(_query_words(text), rows, types=PRODUCT_TYPES | await self._category_words())
        found = [
            row
            for row in ranked
            if size_matches(size, row.size) and color_matches(color, row.color)
        ]
        return ProductLookup(found[:limit], stale=stale)

    async def offered(self) -> ProductLookup:
        """Every offered variant of the tenant (the recommender's shelf)."""
        stale = await self.refresh()
        return ProductLookup(await self._rows(), stale=stale)

    async def variants(self, product_main_id: str) -> ProductLookup:
        """Every offered variant of one product model, by colour and size."""
        stale = await self.refresh()
        rows = await self._rows(ProductCache.product_main_id == product_main_id)
        return ProductLookup(sorted(rows, key=variant_order), stale=stale)

    async def in_category(
        self, category: str, *, besides: str = "", limit: int = 5
    ) -> ProductLookup:
        """Offered, in-stock variants of other products of ``category`` (a cross-sell), the
        best-stocked product first, one variant per product."""
        stale = await self.refresh()
        rows = await self._rows(
            ProductCache.category == category,
            ProductCache.product_main_id != besides,
            ProductCache.quantity > 0,
            ProductCache.on_sale.is_(True),
        )
        best: dict[str, ProductCache] = {}
        for row in sorted(rows, key=lambda r: (-r.quantity, r.title, r.barcode)):
            best.setdefault(row.product_main_id, row)
        return ProductLookup(list(best.values())[:limit], stale=stale)

    async def for_order_line(self, line: Mapping[str, Any]) -> ProductLookup:
        """The variant of an order line (a raw Trendyol line or an orders_cache line): by
        barcode, else by merchantSku = stockCode. Archived or unapproved variants count too."""
        stale = await self.refresh()
        barcode = str(line.get("barcode") or "").strip()
        sku = str(line.get("merchantSku") or line.get("merchant_sku") or "").strip()
        for condition in (
            ProductCache.barcode == barcode if barcode else None,
            ProductCache.stock_code == sku if sku else None,
        ):
            if condition is None:
                continue
            rows = await self._rows(condition, offered_only=False)
            if rows:
                return ProductLookup(rows[:1], stale=stale)
        return ProductLookup([], stale=stale)

    # refresh

    async def _refresh_account(self, account_id: uuid.UUID) -> None:
        """Mirror one account's catalogue unless it is fresh. Concurrent callers wait for one
        refresh (an advisory lock per account) instead of all asking the marketplace at once.
        Raises TrendyolError after noting the failure on the account."""
        failure: TrendyolError | None = None
        async with self._services.db.tenant_session(self._tenant_id) as session:
            async with session.begin():
                await session.execute(
                    select(func.pg_advisory_xact_lock(func.hashtext(f"product-sync:{account_id}")))
                )
                account = await session.scalar(
                    select(IntegrationAccount)
                    .where(
                        IntegrationAccount.id == account_id,
                        IntegrationAccount.tenant_id == self._tenant_id,
                    )
                    .execution_options(populate_existing=True)
                )
                if account is None or account.provider != "trendyol":
                    return
                cursor = dict(account.sync_cursor or {})
                synced = _parse_time(cursor.get(SYNCED_AT_KEY))
                if synced is not None and utcnow() - synced < self._fresh:
                    return
                try:
                    async with self._services.trendyol_client(account) as client:
                        products = await client.products()
                except TrendyolError as exc:
                    failure = exc
                    cursor[ERROR_KEY] = f"{type(exc).__name__}: {exc}"[:500]
                    account.sync_cursor = cursor
                    log.warning("catalogue refresh failed for account %s: %s", account_id, exc)
                else:
                    await self._store(session, account, products)
                    cursor[SYNCED_AT_KEY] = utcnow().isoformat()
                    cursor.pop(ERROR_KEY, None)
                    account.sync_cursor = cursor
                    log.info("mirrored %s products for account %s", len(products), account_id)
        if failure is not None:
            raise failure

    async def _store(
        self, session: AsyncSession, account: IntegrationAccount, products: list[TrendyolProduct]
    ) -> None:
        rows = [product_row(account, p) for p in products]
        for start in range(0, len(rows), _UPSERT_CHUNK):
            chunk = rows[start : start + _UPSERT_CHUNK]
            statement = insert(ProductCache).values(chunk)
            updates = {
                column: statement.excluded[column]
                for column in chunk[0]
                if column not in ("tenant_id", "provider", "barcode")
            }
            await session.execute(
                statement.on_conflict_do_update(
                    index_elements=["tenant_id", "provider", "barcode"], set_=updates
                )
            )
        gone = delete(ProductCache).where(
            ProductCache.tenant_id == self._tenant_id,
            ProductCache.integration_account_id == account.id,
        )
        if rows:
            gone = gone.where(ProductCache.barcode.not_in([row["barcode"] for row in rows]))
        await session.execute(gone)

    # reads

    async def _accounts(self) -> list[IntegrationAccount]:
        async with self._services.db.tenant_session(self._tenant_id) as session:
            result = await session.scalars(
                select(IntegrationAccount).where(
                    IntegrationAccount.tenant_id == self._tenant_id,
                    IntegrationAccount.provider == "trendyol",
                )
            )
            return list(result)

    async def _category_words(self) -> set[str]:
        """The words of every mirrored category, offered or not (a "Pantolon" awaiting approval
        still makes "keten pantolon" a question about trousers)."""
        async with self._services.db.tenant_session(self._tenant_id) as session:
            categories = await session.scalars(
                select(ProductCache.category)
                .where(ProductCache.tenant_id == self._tenant_id)
                .distinct()
            )
            return {word for category in categories for word in words(category)}

    async def _has_rows(self) -> bool:
        """Whether anything of a marketplace is mirrored (the seller's own products do not
        stand in for a marketplace that is down)."""
        async with self._services.db.tenant_session(self._tenant_id) as session:
            found = await session.scalar(
                select(ProductCache.id)
                .where(
                    ProductCache.tenant_id == self._tenant_id,
                    ProductCache.integration_account_id.is_not(None),
                )
                .limit(1)
            )
            return found is not None

    async def _rows(self, *conditions: Any, offered_only: bool = True) -> list[ProductCache]:
        if offered_only:
            conditions = (
                *conditions,
                func.coalesce(ProductCache.raw["approved"].astext, "true") != "false",
                func.coalesce(ProductCache.raw["archived"].astext, "false") != "true",
            )
        async with self._services.db.tenant_session(self._tenant_id) as session:
            result = await session.scalars(
                select(ProductCache)
                .options(
                    defer(ProductCache.raw),
                    with_expression(ProductCache.attributes, ProductCache.raw["attributes"]),
                )
                .where(ProductCache.tenant_id == self._tenant_id, *conditions)
            )
            return list(result)


# --- ranking --------------------------------------------------------------------------------------


def names_a_product(text: str) -> bool:
    """Whether ``text`` says which product it is about, rather than following up on the one
    just discussed: "L de var mı peki?", "siyahı kaldı mı", "is the 44 in stock?" → False;
    "şemsiye var mı", "keten gömlek M" → True."""
    return any(
        not any(stem in _FOLLOW_UP_WORDS for stem in arabic_stems(word))
        and not colors_in(word)
        and not re.fullmatch(r"\d+[a-z]*", word)
        for word in _query_words(text)
    )


def _query_words(text: str) -> list[str]:
    """The words of a product question that can name a product: no filler, colours or sizes.
    English and Arabic product words come in Turkish, as the catalogue writes them
    ("black linen shirt" → "keten", "gomlek"; ``integrations.glossary``)."""
    found = []
    for word in turkish_words(text):
        if word in _STOP_WORDS or word.isdigit() or len(word) < 2 or _COLOR_WORD.fullmatch(word):
            continue
        if size_key(word) in _LETTER_SIZES:
            continue
        found.append(word)
    return list(dict.fromkeys(found))


def _word_match(asked: str, have: str) -> bool:
    """Equal, or sharing a stem despite Turkish suffixes ("gömleği" ~ "gömlek", "tişörtler" ~
    "tişört"): a common prefix of at least four letters covering all but one letter of the
    shorter word."""
    if asked == have:
        return True
    common = 0
    for a, b in zip(asked, have, strict=False):
        if a != b:
            break
        common += 1
    shorter = min(len(asked), len(have))
    return common >= _MIN_PREFIX and common >= shorter - 1


def _rank(
    query: list[str], rows: Iterable[ProductCache], *, types: Iterable[str] = PRODUCT_TYPES
) -> list[ProductCache]:
    """Variants of the best-scoring product models (ties kept), by colour and size. When the
    query names a product type, only models whose title or category has that type qualify."""
    groups: dict[str, list[ProductCache]] = {}
    for row in rows:
        groups.setdefault(row.product_main_id or row.barcode, []).append(row)
    if not query or not groups:
        return []
    vocabulary = {
        key: set(words(" ".join({f"{r.title} {r.category} {r.brand}" for r in members})))
        for key, members in groups.items()
    }
    matched = {
        key: {q for q in query if any(_word_match(q, w) for w in vocab)}
        for key, vocab in vocabulary.items()
    }
    asked_types = {q for q in query if any(_word_match(q, t) for t in types)}
    if asked_types:
        matched = {key: hits for key, hits in matched.items() if hits & asked_types}
    frequency = {q: sum(q in hits for hits in matched.values()) for q in query}
    weight = {q: math.log(1 + len(groups) / n) for q, n in frequency.items() if n}
    scores = {key: sum(weight[q] for q in hits) for key, hits in matched.items() if hits}
    if not scores:
        return []
    best = max(scores.values())
    winners = sorted(
        (key for key, score in scores.items() if score >= best - 1e-9),
        key=lambda key: (-len(matched[key]), key),
    )
    return [row for key in winners for row in sorted(groups[key], key=variant_order)]


def _parse_time(value: Any) -> dt.datetime | None:
    if not isinstance(value, str):
        return None
    try:
        moment = dt.datetime.fromisoformat(value)
    except ValueError:
        return None
    return moment if moment.tzinfo else moment.replace(tzinfo=dt.UTC)
