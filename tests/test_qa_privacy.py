"""A data-protection pass over the masking of personal data (QA, 2026-12-07): what leaked into
quotes, queues and messages, and what the masking ate that is not personal data."""

from __future__ import annotations

import pytest

from feedback_classifier.lang.pii import mask_pii


@pytest.mark.parametrize("text", [
    "Курьер приехал 12.03.2024 14:30 вместо 10:00",
    "submitted 2024-03-12 14:30:00, still nothing",
    "ждали с 9:00-18:00 12.03.2024",
    "с 10.03.2024-12.03.2024 никто не звонил",
    "кредит на 1 000 000 000 руб",
    "fined $1 000 000 000",
])
def test_dates_times_and_amounts_are_not_phones(text):
    # a date with its time is ten digits with a phone's separators: "12.03.2024 14:30" came out "[phone]:30"
    assert mask_pii(text) == text


def test_a_phone_after_a_date_is_still_masked():
    assert mask_pii("12.03.2024 звонил с 89123456789") == "12.03.2024 звонил с [phone]"
    assert mask_pii("12.03.2024 89123456789") == "12.03.2024 [phone]"


@pytest.mark.parametrize("text, masked", [
    # the patronymic was left: "меня зовут [name] Иванович"
    ("Меня зовут Иванов Иван Иванович, курьер груб", "Меня зовут [name], курьер груб"),
    ("Звоните +7 (912) 345 - 67 - 89, курьер опоздал", "Звоните [phone], курьер опоздал"),
    ("С уважением, Иван Петров", "С уважением, [name]"),
    ("Best regards, John Smith", "Best regards, [name]"),
])
def test_names_and_phones_that_leaked(text, masked):
    assert mask_pii(text) == masked


@pytest.mark.parametrize("text, masked", [
    ("Возврат на IBAN DE89 3704 0044 0532 0130 00 не пришёл", "Возврат на IBAN [iban] не пришёл"),
    ("Refund to GB82WEST12345698765432 never arrived", "Refund to [iban] never arrived"),
    ("деньги на счёт 40817810099910004312 не пришли", "деньги на счёт [account] не пришли"),
    ("Паспорт серия 45 10 номер 123456 потребовали", "Паспорт серия [id] потребовали"),
    ("серия и номер паспорта: 4510 № 123456", "серия и номер паспорта: [id]"),
    ("Мой ИНН 7707083893 указан неверно", "Мой ИНН [id] указан неверно"),
    ("СНИЛС 112-233-445 95 зачем-то спросили", "СНИЛС [id] зачем-то спросили"),
    ("they asked for my passport no. 533401299", "they asked for my passport no. [id]"),
])
def test_bank_accounts_and_identity_numbers_are_masked(text, masked):
    assert mask_pii(text) == masked


@pytest.mark.parametrize("text, masked", [
    # the e-mail pattern swallowed the link's path ("https:[email]&token=...") and the token stayed
    ("Track https://shop.example/track?email=anna@mail.ru&token=9f8e7d6c5b4a, parcel late",
     "Track https://shop.example/track?email=[email]&token=[token], parcel late"),
    ("Ссылка https://shop.example/login?token=eyJhbGciOiJIUzI1NiJ9.secret не работает",
     "Ссылка https://shop.example/login?token=[token] не работает"),
    ("see https://shop.example/help.", "see https://shop.example/help."),
])
def test_link_query_values_are_masked(text, masked):
    assert mask_pii(text) == masked
