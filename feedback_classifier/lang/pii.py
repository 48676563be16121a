"""Personal data in comments: e-mail addresses, phone numbers, card-like numbers, IBANs and
20-digit bank accounts, passport / ИНН / СНИЛС numbers named as such, the query values of links
(tokens, e-mails) and names a respondent gives after "my name is" / "меня зовут" (or signs with)
are replaced by placeholders.

Report quotes and team queues are read by people who need the complaint, not the customer's
contact details, so they are masked by default; the enriched table keeps the text as written
(it is the user's own data) unless they ask for masking.
"""

from __future__ import annotations

import re

from feedback_classifier.lang.normalization import decode_entities

EMAIL_MASK = "[email]"
PHONE_MASK = "[phone]"
CARD_MASK = "[card]"
NAME_MASK = "[name]"
IBAN_MASK = "[iban]"
ACCOUNT_MASK = "[account]"
ID_MASK = "[id]"
TOKEN_MASK = "[token]"

# RFC 5322 allows !#$%&'*/=?^`{|}~ in the local part; the domain needs at least one dot
_EMAIL = re.compile(r"[^\s@<>()\[\],;:\"]+@[\w-]+(?:\.[\w-]+)+", re.UNICODE)
# spaces a number's groups are written with: a no-break, narrow no-break or thin one is what word
# processors, web forms and French or Russian number formatting put there ("+7\u00a0912\u00a0345-67-89")
_SP = " \u00a0\u2007\u2009\u202f"
# 13-19 digits in groups (spaces or dashes allowed): the length of payment card numbers
_CARD = re.compile(rf"(?<![\w])\d(?:[{_SP}-]?\d){{12,18}}(?![\w])")
# an optional +, then 9-15 digits with the usual separators: long enough not to catch scores,
# prices or order numbers of a few digits; up to three between groups for "345 - 67 - 89"
_PHONE = re.compile(rf"(?<![\w+])(?:\+|\((?=\d{{3,5}}\)))?\d(?:[{_SP}()\-.]{{0,3}}\d){{8,14}}(?![\w])")
# Dates, clock times and grouped amounts of money are read before phones and cards and left alone:
# "12.03.2024 14:30" is ten digits with a phone's separators, "1 000 000 000 руб" too.
_KEPT = re.compile(
    rf"(?=[\d$€£₽])(?:(?<![\d.])(?:0?[1-9]|[12]\d|3[01])[./](?:0?[1-9]|1[0-2])[./](?:19|20)?\d\d(?![\d])"
    rf"|(?<![\d.-])(?:19|20)\d\d-(?:0?[1-9]|1[0-2])-(?:0?[1-9]|[12]\d|3[01])(?![\d])"
    rf"|(?<![\d:])(?:[01]?\d|2[0-3]):[0-5]\d(?::[0-5]\d)?(?![\d])"
    rf"|(?<![\d+])[$€£₽]\s?\d{{1,3}}(?:[{_SP}]\d{{3}})+(?:[.,]\d\d)?(?![\d])"
    rf"|(?<![\d+])\d{{1,3}}(?:[{_SP}]\d{{3}})+(?:[.,]\d\d)?(?=[{_SP}]?(?i:[$€£₽]|руб|р\.|rub|usd|eur|gbp|"
    rf"тыс|млн|dollar|euro|pound)))",
    re.UNICODE,
)
_DIGIT = re.compile(r"\d")
# IBAN: country, check digits, 11-30 letters and digits (15 in all at least: Norway's), often in groups of
# four; a postal tracking number ("RA123456789RU", 13) is not one
_IBAN = re.compile(r"\b[A-Z]{2}\d\d(?:[ ]?[A-Z0-9]{4}){2,7}(?:[ ]?[A-Z0-9]{1,3})?\b")
_IBAN_LENGTH = 15
# a Russian bank account is 20 digits (a card at most 19)
_ACCOUNT = re.compile(rf"(?<![\w])\d(?:[{_SP}-]?\d){{19}}(?![\w])")
# Identity numbers are only told from other numbers by what they follow: a passport's series and
# number ("серия 45 10 номер 123456"), ИНН, СНИЛС ("112-233-445 95")
_ID = re.compile(
    r"(?P<cue>(?<!\w)(?i:паспорт\w*|серия|серии|passport|инн|снилс|ssn|national insurance|полис\w*)"
    r"(?:[\s:.,№#()-]|(?i:серия|серии|series|рф|омс|и|and|номер|number|no|nr)(?!\w))*)"
    r"(?P<id>(?:[A-Z]{1,2}[\s-]?)?\d(?:[\s.\-–]?(?:(?i:номер|number|№|no)\.?\s*)?\d){5,15})(?![\w])",
    re.UNICODE,
)
# a link's query and fragment carry session tokens, e-mails and phone numbers: their values are masked
_URL = re.compile(r"(?i:https?://|www\.)[^\s<>\"']+")
_URL_VALUE = re.compile(r"(?P<key>[?#&;][^=&;#\s]*=)(?P<value>[^&;#\s]+)")
# a value masked already stays, so that masking twice (report on a table analyze --mask-pii wrote)
# changes nothing: "[token]" ends in the "]" a link's closing bracket would
_PLACEHOLDER = re.compile(r"\[[a-z]+\]")
# What an order, parcel or ticket number follows ("заказ №123456789", "order #123456789", "номер
# заказа: 123456789", "tracking number 123456789"): support needs it and it is nobody's personal
# data, so a number right after it is not a phone. A bare "№"/"#" counts too, unless a phone word
# comes before it ("тел. № ..."). Card-like numbers stay masked whatever precedes them.
_ORDER_CUE = re.compile(
    r"(?:(?P<word>\b(?i:orders?|invoice|ticket|tracking|parcel|shipment|package|reference|ref|booking|"
    r"заказ\w*|сч[её]т\w*|трек\w*|накладн\w*|посылк\w*|отправлени\w*|обращени\w*|заявк\w*|брон\w*)"
    r"(?:[\s:.-]+(?i:number|num|no|nr|id|code|код|номер|ном))?\.?)[\s:]*(?:[№#]\s*)?"
    r"|(?P<sign>[№#])\s*)$",
    re.UNICODE,
)
_PHONE_WORD = re.compile(r"(?i:tel|phone|mobile|call|тел\w*|моб\w*|звон\w*|номер телефона)\W*$", re.UNICODE)
_NAME = re.compile(
    r"(?P<cue>\b(?i:my name is|my name's|i am called|меня зовут|моё имя|мое имя|"
    r"(?:best |kind )?regards|sincerely|с уважением)[\s,:]+)"
    # a name is capitalised: "my name is not important" keeps its words; up to three words for a
    # Russian surname, first name and patronymic ("Иванов Иван Иванович")
    r"(?P<name>[A-ZА-ЯЁ][\w'-]*(?:\s+[A-ZА-ЯЁ][\w'-]*){0,2})",
    re.UNICODE,
)


def mask_pii(text: str) -> str:
    """``text`` with e-mails, phone numbers, card-like numbers and self-introduced names masked.

    >>> mask_pii("Write to ivan.petrov@mail.ru or call +7 (912) 345-67-89")
    'Write to [email] or call [phone]'
    >>> mask_pii("Card 4276 1234 5678 9012 was charged twice")
    'Card [card] was charged twice'
    >>> mask_pii("Здравствуйте, меня зовут Анна Смирнова, заказ 12345 опоздал")
    'Здравствуйте, меня зовут [name], заказ 12345 опоздал'
    >>> mask_pii("My name is John and I rate it 9 of 10")
    'My name is [name] and I rate it 9 of 10'
    >>> mask_pii("Заказ №123456789 не пришёл, звоните 8 (912) 345-67-89")
    'Заказ №123456789 не пришёл, звоните [phone]'
    >>> mask_pii("lost &amp; found: john&#64;example.com, +7&nbsp;912&nbsp;345-67-89"), mask_pii("R&amp;D")
    ('lost & found: [email], [phone]', 'R&amp;D')
    """
    if not isinstance(text, str) or not text:
        return text
    if "&" in text:
        # an HTML-escaped export hides an e-mail's "@" as "&#64;" and a phone's spaces as "&nbsp;":
        # masked as read, kept as written when there is nothing to mask
        read = decode_entities(text)
        if read != text:
            masked = _mask(read)
            return text if masked == read else masked
    return _mask(text)


def _mask(text: str) -> str:
    # each pattern only where what it needs occurs: queues mask every routed comment (8 µs each before
    # the patterns for links, IBANs, identity numbers and dates; 43 µs with them run everywhere)
    if "://" in text or "www." in text.lower():
        # links first: an e-mail in a query string would otherwise swallow the link's path
        text = _URL.sub(_mask_url, text)
    if "@" in text:
        text = _EMAIL.sub(EMAIL_MASK, text)
    if _DIGIT.search(text):
        text = _IBAN.sub(lambda m: IBAN_MASK if len(m.group().replace(" ", "")) >= _IBAN_LENGTH else m.group(), text)
        text = _ID.sub(lambda m: m.group("cue") + ID_MASK, text)
        text = "".join(piece if kept else _mask_numbers(piece) for piece, kept in _split_kept(text))
    return _NAME.sub(lambda m: m.group("cue") + NAME_MASK, text)


def _mask_numbers(text: str) -> str:
    text = _ACCOUNT.sub(ACCOUNT_MASK, text)
    text = _CARD.sub(CARD_MASK, text)
    return _PHONE.sub(lambda m: m.group() if _is_order_number(text, m) else PHONE_MASK, text)


def _split_kept(text: str) -> list[tuple[str, bool]]:
    """``text`` cut into pieces, each with whether it is a date, time or amount (``_KEPT``).

    >>> _split_kept("at 12.03.2024 14:30, call")
    [('at ', False), ('12.03.2024', True), (' ', False), ('14:30', True), (', call', False)]
    """
    pieces, start = [], 0
    for match in _KEPT.finditer(text):
        pieces += [(text[start:match.start()], False), (match.group(), True)]
        start = match.end()
    pieces.append((text[start:], False))
    return [(piece, kept) for piece, kept in pieces if piece]


def _mask_url(url: re.Match) -> str:
    """A link with its query and fragment values masked (an e-mail as ``[email]``).

    >>> _mask_url(_URL.search("https://shop.example/track?email=anna@mail.ru&token=9f8e7d#p=1"))
    'https://shop.example/track?email=[email]&token=[token]#p=[token]'
    >>> _mask_url(_URL.search("(see https://x.example/a?b=c)."))
    'https://x.example/a?b=[token]).'
    """
    body = url.group()
    while body and body[-1] in ".,;:!?)]" and not (body[-1] == "]" and _ends_in_placeholder(body)):
        body = body[:-1]  # the sentence's punctuation, not the link's
    query = min((i for i in (body.find("?"), body.find("#")) if i >= 0), default=-1)
    if query < 0:
        return url.group()
    masked = _URL_VALUE.sub(lambda m: m.group("key") + _masked_value(m.group("value")), body[query:])
    return body[:query] + masked + url.group()[len(body):]


def _ends_in_placeholder(text: str) -> bool:
    tail = text[-12:]
    return any(m.end() == len(tail) for m in _PLACEHOLDER.finditer(tail))


def _is_order_number(text: str, number: re.Match) -> bool:
    """Whether ``number`` (a ``_PHONE`` match in ``text``) follows an order/parcel/ticket cue
    (``_ORDER_CUE``) and is not written as a phone is (``+7 ...``, ``(912)``).

    >>> [_is_order_number(t, _PHONE.search(t)) for t in ("заказ №123456789", "Order #123456789", "тел. № 123456789",
    ...                                                  "call 123456789", "заказ: +7 912 345 67 89")]
    [True, True, False, False, False]
    """
    if "+" in number.group() or "(" in number.group():
        return False
    before = text[max(0, number.start() - 40):number.start()]
    cue = _ORDER_CUE.search(before)
    if cue is None:
        return False
    return cue.group("word") is not None or not _PHONE_WORD.search(before[: cue.start()])


def _masked_value(value: str) -> str:
    if _PLACEHOLDER.fullmatch(value):
        return value
    return EMAIL_MASK if "@" in value or "%40" in value else TOKEN_MASK


def mask_pii_series(values):
    """:func:`mask_pii` over a pandas Series of text (cells that are not text stay as they are).

    >>> import pandas as pd
    >>> mask_pii_series(pd.Series(["a@b.com", "fine"])).tolist()
    ['[email]', 'fine']
    """
    return values.map(lambda v: mask_pii(v) if isinstance(v, str) else v)


def mask_pii_evidence(evidence, texts):
    """The ``evidence`` column of the comments ``texts`` (pandas Series, same index) with what
    :func:`mask_pii` masks in a comment masked in its evidence too: the quoted parts go through
    :func:`mask_pii`, and each word of a name the comment introduces is masked wherever the
    evidence cites it (the evidence lists words one by one: "Ivan" alone has no cue before it).

    >>> import pandas as pd
    >>> text = pd.Series(["My name is Ivan Petrov, the courier was rude. Mail me: a@b.ru"])
    >>> mask_pii_evidence(pd.Series(['Courier: courier, rude, Ivan, in "My name is Ivan Petrov, the courier"']), text)[0]
    'Courier: courier, rude, [name], in "My name is [name], the courier"'
    """
    def masked(cited, text):
        if not isinstance(cited, str) or not cited:
            return cited
        cited = mask_pii(cited)
        for match in _NAME.finditer(text) if isinstance(text, str) else ():
            for word in match.group("name").split():
                cited = re.sub(rf"(?<![\w\[]){re.escape(word)}(?![\w\]])", NAME_MASK, cited)
        return cited

    return evidence.combine(texts, masked)


def mask_pii_table(table, text_col: str, evidence_col: str = "evidence"):
    """An enriched table (a pandas DataFrame) with its comment column and its evidence column (when
    there) masked; the categories were found on the comments as written.

    >>> import pandas as pd
    >>> mask_pii_table(pd.DataFrame({"c": ["call 89123456789"], "evidence": ['in "call 89123456789"']}), "c").values.tolist()
    [['call [phone]', 'in "call [phone]"']]
    """
    if evidence_col in table.columns:  # it quotes the comment and cites its words
        table[evidence_col] = mask_pii_evidence(table[evidence_col], table[text_col])
    table[text_col] = mask_pii_series(table[text_col])
    return table
