"""Every word the report and its charts show, per language: the one home of translations.

Adding a language means adding its strings here under its code, plus its entry in
``lang.registry``. Keys are flat; a prefix says where a string goes: none for the HTML report,
``metric.`` / ``detractors.`` for per-score-type names in the report, ``chart.`` for the
drivers charts, ``evidence.`` for classify's evidence column.

>>> ui_text("en", "ci", low="1", high="5")
'95% CI 1 to 5'
>>> ui_text("ru", "chart.metric.ces")
'CES (среднее)'
>>> from feedback_classifier.lang.registry import LANGUAGES
>>> sorted(UI) == sorted(LANGUAGES) and all(UI[code].keys() == UI["en"].keys() for code in UI)
True
"""

from __future__ import annotations

import string
from collections.abc import Sequence
from typing import Any

from feedback_classifier.lang.registry import check_language

UI: dict[str, dict[str, str]] = {
    "en": {
        # the HTML report
        "title": "Customer feedback report",
        "generated": "Generated {date} from {source}",
        "taxonomy": "Taxonomy",
        "overview": "Overview",
        "responses": "Responses",
        "with_comment": "{n} with a comment",
        "classified": "Comments classified",
        "classified_note": "{n} of {total} {total:comment|comments} got at least one category",
        "classified_junk": "; {n} {n:answer names|answers name} no topic (\"-\", \"n/a\", \"👍\": listed apart)",
        "needs_review": "Need review",
        "needs_review_note": "low confidence or nothing detected",
        "needs_review_unknown": "not known: the file has no needs_review column (classify adds it)",
        "ci": "95% CI {low} to {high}",
        "scored_note": "{n} valid {n:score|scores}",
        "invalid_scores": "{n} score {n:cell was|cells were} empty or invalid and {n:is|are} left out of score statistics.",
        "trend": "Trend by {period}",
        "trend_table": "Trend table",
        "trend_one_period": "Every dated response falls in one period ({period}), so there is no trend to draw.",
        "period": "Period",
        "no_valid_scores": "No valid scores in column '{column}': the report shows what customers talk about, not what drives the score. Check that it holds the scores (NPS 0-10 unless --score-type and --scale say otherwise).",
        "no_scores": "No valid scores in this data: the report shows what customers talk about, not what drives the score. Give a score column (--score-col) to see drivers.",
        "mostly_review": "Most comments need review ({share}): the model is unsure on this kind of comment, so read the categories' numbers as rough. Label a few hundred of your comments (feedback-classifier suggest, then label) and train a model on them.",
        "mostly_review_trained": "Most comments need review ({share}): your model is unsure on this kind of comment, so read the categories' numbers as rough. Label more comments like these (feedback-classifier suggest with --model picks them) and train it again.",
        "no_categories": "No categories were found in these comments. Check that the text column holds the comments and the model fits the taxonomy and language.",
        "tiny": "Only {n} scored {n:response|responses}: intervals are wide and most differences are not significant. Treat the numbers as directions, not findings.",
        "nps_scale": "Every valid score is between {low} and {high}: on the 0-10 NPS scale each one is a detractor, so NPS is -100 and no category can move it. If this is a rating such as 1-5 stars, run again with --score-type csat (or mean).",
        "drivers": "What drives {metric}",
        "drivers_lead": "Impact = how many points {metric} would change if the comments about a category were not there (negative = the category pulls the score down). Whiskers and ranges are 95% confidence intervals.",
        "drivers_lead_lower": "Impact = how many points {metric} would change if the comments about a category were not there. Lower {metric} is better here, so a positive impact is the harmful one: the category raises the score. Whiskers and ranges are 95% confidence intervals.",
        "category": "Category",
        "mentions": "Mentions",
        "low_n": "low n",
        "low_n_title": "fewer than {min_n} scored {min_n:answer|answers} with the category, or without it: a rough figure",
        "in_every_answer": "in every scored answer: nothing to compare it with",
        "complaints": "Complaints",
        "praise": "Praise",
        "share": "Share",
        "share_of_all": "Share of all responses",
        "of_comments": "{pct} of comments",
        "overall_value": "overall {value}",
        "model_pr": "Model precision / recall",
        "share_corrected": "Corrected share (95% CI)",
        "impact_corrected": "Corrected impact (95% CI)",
        "often_missed": "often missed: impact likely understated",
        "error_note": "Corrected for the model's errors measured on {n} labelled {n:comment|comments} it did not train on "
                      "(your --audit-sample, or the model's cross-validation): "
                      "shares and impacts are adjusted for each category's precision and recall, and their "
                      "intervals include that uncertainty.",
        "error_note_default": "Precision and recall here are rough: the bundled default model was checked on {n} "
                              "real {n:comment|comments} from other sources (bank support messages, restaurant reviews) coded by "
                              "people and mapped to these categories; only some parent categories have figures. They "
                              "are not used to correct shares and impacts, since error rates measured on other kinds "
                              "of comments do not carry over. For figures that hold on your comments, and corrected "
                              "shares and impacts, label a few hundred of them and pass --audit-sample.",
        "metric_with": "{metric} with",
        "metric_without": "{metric} without",
        "impact": "Impact, pts",
        "impact_complaints": "Impact of complaints, pts",
        "segment_grid_note": "Shaded: at least {n} scored answers in the segment with the category and {n} without it, and a 95% interval that excludes 0. Grey: fewer answers or an interval that includes 0, so the segment's figure may be noise.",
        "segment_grid_more": "{n} more {n:category|categories} with fewer mentions: see the drivers' segments table.",
        "impact_ci": "95% CI",
        "significant": "Significant",
        "yes": "yes",
        "no": "no",
        "owner": "Owner",
        "top_negative": "Top negative drivers",
        "matrix": "Priority matrix",
        "matrix_lead": "Frequent and harmful categories (to the right, on the harmful side of the zero line) come first; rare but harmful ones are worth watching.",
        "regression": "Key-driver regression",
        "regression_lead": "coef. = how many points {metric} differs for respondents who mention the category from those who do not, the other categories held equal (one regression over all of them). Unlike the impact above, it does not grow with how often the category comes up.",
        "categories": "Categories",
        "categories_lead": "Each card shows how often a category comes up, its score, and what customers actually wrote.",
        "categories_lead_unscored": "Each card shows how often a category comes up and what customers actually wrote.",
        "tones_overlap": "Complaints and praise can add up to more than the mentions: a comment that blames one subcategory and praises another counts once in each ({names}).",
        "from_detractors": "From {detractors}",
        "from_promoters": "From promoters",
        "from_top_box": "From satisfied customers",
        "examples": "Examples",
        "quotes_complaints": "Complaints",
        "quotes_praise": "Praise",
        "no_examples": "No comments in this group.",
        "no_examples_tone_complaint": "{n} {n:comment|comments} in this group, none of them clearly a complaint (by the sentiment model and the word check): nothing to quote.",
        "no_examples_tone_praise": "{n} {n:comment|comments} in this group, none of them clearly praise (by the sentiment model and the word check): nothing to quote.",
        "no_examples_words_complaint": "None of the {n} {n:complaint|complaints} is quoted: the report's word check finds no word of complaint in them (read them in the enriched table).",
        "no_examples_words_praise": "None of the {n} praise {n:comment|comments} is quoted: the report's word check finds no word of praise in them (read them in the enriched table).",
        "subcategory": "Subcategory",
        "table_cut": "The {shown} most harmful of {total} shown; the drivers table (analyze's drivers file, or the drivers command) lists them all.",
        "segments": "Segments by {by}",
        "segment": "Segment",
        "segments_empty": "Column '{by}' is empty in every row: there are no segments to compare.",
        "top_issue": "Most mentioned (% of the segment's comments)",
        "routing": "Routing",
        "routing_lead": "Comments sent to each owning team; uncertain ones also go to the review queue.",
        "team": "Team",
        "comments": "Comments",
        "review": "Review",
        "review_queue": "review queue",
        "junk_queue": "answers naming no topic (junk, no opinion, a tone alone: listed apart)",
        "queue.review": "review",
        "queue.junk": "junk",
        "queue.unassigned": "unassigned",
        # the evidence column: what the masked parts of a comment (normalization's placeholders) show as
        "evidence.url": "[link]",
        "evidence.num": "[number]",
        "evidence.email": "[email]",
        "evidence.phone": "[phone]",
        # a predicted category no word of the comment argues for (the model's fallback, the nearest description)
        "evidence.none": "[no words]",
        "evidence.near": "[nearest to its description]",
        "evidence.in": 'in "{quote}"',
        "evidence.positive": "positive",
        "evidence.negative": "negative",
        "evidence.neutral": "neutral",
        "method": "How to read this report",
        "method_text_no_valid_scores": "Categories come from an automatic classifier; each comment can have several. Shares are of the comments (answers with text). The score column '{column}' holds no valid score, so there are no scores, drivers or detractors here.",
        "method_text_unscored": "Categories come from an automatic classifier; each comment can have several. Shares are of the comments (answers with text). The file has no score column, so there are no scores, drivers or detractors here: run with --score-col to add them.",
        "method_weighted_unscored": "Weighted by the survey weights in column '{column}': shares are weighted (mentions and responses are counted), with Kish's effective sample size n_eff {n} for the whole table.",
        "method_weighted": "Weighted by the survey weights in column '{column}': shares, {metric}, impacts and segment scores are weighted (mentions and responses are counted); every interval uses Kish's effective sample size (n_eff {n} for the whole table; each segment and period its own), and the regression's errors a survey-weighted HC1 sandwich instead of HC3.",
        "method_text": "Categories come from an automatic classifier; each comment can have several. {metric} is computed over valid scores only. Confidence intervals: adjusted Wald for NPS, Wilson for shares (CSAT), t for means; those of impacts are percentile bootstrap over respondents, and the key-driver regression's come from HC3 robust standard errors. Impact is leave-out: {metric} of everyone minus {metric} of respondents who did not mention the category; the impact of complaints counts only the mentions judged complaints. Significance is after a Benjamini-Hochberg correction across categories.",
        "model.default": "Model: the bundled default model (hand-written examples and the taxonomy's keywords and "
                         "descriptions), not trained on your labels. It misses many comments and sometimes picks the "
                         "wrong category: treat category counts as rough, and train a model on a few hundred of "
                         "your labelled comments for numbers that hold on your data.",
        "model.weak": "Model: trained without labels, from the taxonomy's keywords and your own comments; not "
                      "validated on labelled comments.",
        "model.trained": "Model: trained on {n} labelled {n:comment|comments}; cross-validated micro-F1 {f1}.",
        "model.given": "Model: a classifier passed in by the calling program (how it was trained is not known here).",
        "model.trained_no_cv": "Model: trained on {n} labelled {n:comment|comments}; not cross-validated.",
        "model.taught": "It also learned from {n} unlabelled {n:comment|comments} labelled by a teacher that saw every labelled "
                        "one, so the cross-validated figure is optimistic.",
        "model.rare": "Rarely found (under 0.5% of comments; check them before trusting their numbers): {names}.",
        "model.often_missed": "Often missed by the model (recall under 60%): {names}; their impact is likely "
                              "understated.",
        "model.sentiment_scores": "Complaints and praise come from the bundled sentiment model taught the words of your "
                                  "comments' scores (--unlabelled-score-col), not trained on labelled opinions: it may read "
                                  "comments with no opinion (news, ads, questions) as complaints, so read the quotes before "
                                  "trusting those counts. A model trained with --sentiment-col on your labels does better.",
        "model.sentiment_e5": "Complaints and praise come from the bundled sentiment model taught the words of a sample "
                              "of these comments as multilingual-e5-small read them (--tone-teacher e5), not trained on "
                              "labelled opinions: read the quotes before trusting those counts. A model trained with "
                              "--sentiment-col on your labels does better.",
        "model.sentiment_assumed": "Complaints and praise are this file's own category_sentiment column, most likely "
                                   "from the bundled sentiment model (analyze and --tone-teacher e5 first teach it the "
                                   "words of a sample of the file's comments), not trained on labelled opinions: it may read "
                                   "comments with no opinion (news, ads, questions) as complaints, so read the quotes "
                                   "before trusting those counts. A model trained with --sentiment-col on your labels "
                                   "does better.",
        "model.sentiment_bundled": "Complaints and praise come from the bundled sentiment model, not trained on your "
                                   "comments: it reads many comments with no opinion (news, ads, questions) as complaints "
                                   "(72–81% of such Russian tweets about banks and telecom operators), so read the quotes "
                                   "before trusting those counts. A model trained with --sentiment-col on your labels does better.",
        "nav": "Contents",
        "scroll_region": "Table (scrolls sideways on a narrow screen)",
        "score": "Score",
        "none": "—",
        "other": "other",
        "n_resp": "n",
        # the metric's name in the report, per score type
        "metric.nps": "NPS",
        "metric.csat": "CSAT",
        "metric.ces": "CES",
        "metric.mean": "mean score",
        # who the unhappy respondents are, per score type (``mean`` has none: the NPS word stands in)
        "detractors.nps": "detractors",
        "detractors.csat": "dissatisfied customers",
        "detractors.ces": "high-effort customers",
        "detractors.mean": "detractors",
        # the drivers charts (category names arrive already translated)
        "chart.empty": "No categories mentioned",
        "chart.n": "  (n={n})",
        "chart.n_low": "  (n={n}, low)",
        "chart.impact_axis": "Impact on {metric}, points",
        "chart.ci": ", {confidence} CI",
        "chart.impact_title_parent": "What moves {metric}: leave-out impact by parent category",
        "chart.impact_title_category": "What moves {metric}: leave-out impact by category",
        "chart.pale": "pale: interval includes 0",
        "chart.hatched": "hatched: fewer than {min_n} scored {min_n:answer|answers} with the category or without it",
        "chart.share_axis": "Share of all responses mentioning it, %",
        "reg.coef": "coef.",
        "reg.p": "p (BH)",
        "chart.fix_first_bottom": "bottom right = frequent and harmful: fix first",
        "chart.fix_first_top": "top right = frequent and harmful: fix first",
        "chart.matrix_title_parent": "Priority matrix: parent categories",
        "chart.matrix_title_category": "Priority matrix: categories",
        "chart.harmful": "pulls {metric} down",
        "chart.helpful": "lifts {metric}",
        "chart.harmful_up": "raises {metric} (worse)",
        "chart.helpful_down": "lowers {metric} (better)",
        "chart.low_n": "fewer than {min_n} scored {min_n:answer|answers} with or without it",
        "chart.median": "median share",
        "chart.unlabelled": "{k} of {n} {n:point|points} unlabelled (see the drivers table)",
        # the metric on a chart axis, with what it counts
        "chart.metric.nps": "NPS",
        "chart.metric.csat": "CSAT (% top-2-box)",
        "chart.metric.ces": "CES (mean)",
        "chart.metric.mean": "mean score",
        # drivers --polarity: the titles say which mentions were counted
        "polarity.negative": "complaints only",
        "polarity.positive": "praise only",
        "polarity.neutral": "neutral mentions only",
        "label.title": "Label",
        "label.loading": "loading…",
        "label.accept": "Accept",
        "label.skip": "Skip",
        "label.undo": "Undo",
        "label.back": "Back",
        "label.keys": "toggle a category · {slash} type a name, {enter} toggles the first match · {enter}/{a} accept · {s} skip · {u} undo · {b}/{left} back",
        "label.done": "All comments are decided. Labels are saved; close this tab and press Ctrl+C in the terminal.",
        "label.filter": "/ type a category name",
        "label.filter_name": "Find a category by name",
        "label.categories": "Categories (Space ticks, arrows move)",
        "label.single_keys": "Single-key shortcuts",
        "label.could_not_load": "Could not load: ",
        "label.not_saved": "Not saved: ",
        "label.stale": "Not saved: that comment was decided meanwhile in another tab or label app, and its answer was kept. This is the next one.",
        "label.down": "The labelling server is not running: restart the command to go on; your earlier decisions are saved.",
        "label.answered": "the server answered",
        "label.labelled": "labelled",
        "label.skipped": "skipped",
        "label.to_go": "to go",
        "label.going_back": "going back",
        "label.retraining": "retraining…",
        "label.preparing": "preparing suggestions…",
        "label.suggestions": "suggestions",
        "label.retrained": "retrained",
        "label.suggested": "Suggested: ",
        "label.ticked": "Ticked: ",
        "label.ticked_none": "Ticked: nothing (no category)",
        "label.kind.trained": "trained on your labels",
        "label.kind.model": "default model",
        "label.kind.keywords": "taxonomy keywords",
        "label.kind.nothing": "none until 20 labels (the taxonomy has no keywords: pass --taxonomy)",
    },
    "ru": {
        # the HTML report
        "title": "Отчёт по отзывам клиентов",
        "generated": "Создан {date} по файлу {source}",
        "taxonomy": "Таксономия",
        "overview": "Обзор",
        "responses": "Ответов",
        "with_comment": "{n} с комментарием",
        "classified": "Комментарии с категориями",
        "classified_note": "{n} из {total} {total:комментария|комментариев|комментариев} {n:получил|получили|получили} хотя бы одну категорию",
        "classified_junk": "; {n} {n:ответ|ответа|ответов} без темы («-», «нет», «👍»: отдельный список)",
        "needs_review": "Нужна проверка",
        "needs_review_note": "низкая уверенность или ничего не найдено",
        "needs_review_unknown": "неизвестно: в файле нет столбца needs_review (его добавляет classify)",
        "ci": "95% ДИ от {low} до {high}",
        "scored_note": "{n} {n:корректная оценка|корректные оценки|корректных оценок}",
        "invalid_scores": "{n} {n:ячейка|ячейки|ячеек} с оценкой {n:пуста или некорректна и не учитывается|пусты или некорректны и не учитываются|пусты или некорректны и не учитываются} в расчёте оценки.",
        "trend": "Динамика: {period}",
        "trend_table": "Таблица динамики",
        "trend_one_period": "Все ответы с датой попадают в один период ({period}), поэтому динамики нет.",
        "period": "Период",
        "no_valid_scores": "В столбце «{column}» нет корректных оценок: отчёт показывает, о чём пишут клиенты, но не что влияет на оценку. Проверьте, что в нём оценки (NPS 0–10, если --score-type и --scale не говорят иное).",
        "no_scores": "В данных нет корректных оценок: отчёт показывает, о чём пишут клиенты, но не что влияет на оценку. Укажите колонку с оценкой (--score-col), чтобы увидеть драйверы.",
        "mostly_review": "Большинству комментариев нужна проверка ({share}): модель не уверена в таких текстах, поэтому цифры по категориям приблизительны. Разметьте несколько сотен своих комментариев (feedback-classifier suggest, затем label) и обучите на них модель.",
        "mostly_review_trained": "Большинству комментариев нужна проверка ({share}): ваша модель не уверена в таких текстах, поэтому цифры по категориям приблизительны. Разметьте ещё комментарии, похожие на эти (их подберёт feedback-classifier suggest с --model), и обучите её заново.",
        "no_categories": "В комментариях не найдено ни одной категории. Проверьте, что текстовая колонка содержит комментарии, а модель подходит к таксономии и языку.",
        "tiny": "Всего {n} {n:ответ|ответа|ответов} с оценкой: интервалы широкие, большинство различий незначимы. Считайте цифры ориентиром, а не выводом.",
        "nps_scale": "Все оценки — от {low} до {high}: по шкале NPS 0–10 каждая из них — критик, поэтому NPS равен −100 и ни одна категория его не меняет. Если это оценка вроде 1–5 звёзд, запустите снова с --score-type csat (или mean).",
        "drivers": "Что влияет на {metric}",
        "drivers_lead": "Влияние — на сколько пунктов изменился бы {metric}, если бы комментариев этой категории не было (минус — категория тянет оценку вниз). Усы и диапазоны — 95% доверительные интервалы.",
        "drivers_lead_lower": "Влияние — на сколько пунктов изменился бы {metric}, если бы комментариев этой категории не было. Здесь чем ниже {metric}, тем лучше, поэтому вредное влияние — плюс: категория повышает оценку. Усы и диапазоны — 95% доверительные интервалы.",
        "category": "Категория",
        "mentions": "Упоминаний",
        "low_n": "мало данных",
        "low_n_title": "меньше {min_n} {min_n:ответа|ответов|ответов} с оценкой с этой категорией или без неё: цифра приблизительная",
        "in_every_answer": "в каждом ответе с оценкой: сравнить не с чем",
        "complaints": "Жалоб",
        "praise": "Похвал",
        "share": "Доля",
        "share_of_all": "Доля всех ответов",
        "of_comments": "{pct} комментариев",
        "overall_value": "в целом {value}",
        "model_pr": "Точность / полнота модели",
        "share_corrected": "Доля с поправкой (95% ДИ)",
        "impact_corrected": "Влияние с поправкой (95% ДИ)",
        "often_missed": "модель часто пропускает: влияние, вероятно, занижено",
        "error_note": "С поправкой на ошибки модели, измеренные на {n} {n:размеченном комментарии, на котором|размеченных комментариях, на которых|размеченных комментариях, на которых} она не "
                      "обучалась (ваша --audit-sample или кросс-валидация модели): "
                      "доли и влияние скорректированы на точность и полноту каждой категории, интервалы учитывают "
                      "эту неопределённость.",
        "error_note_default": "Точность и полнота здесь приблизительные: встроенную модель проверили на {n} "
                              "{n:реальном комментарии|реальных комментариях|реальных комментариях} из других источников (обращения в поддержку банка, отзывы о ресторанах), "
                              "размеченных людьми и сопоставленных с этими категориями; оценки есть только у части "
                              "основных категорий. Доли и влияние по ним не корректируются: ошибки, измеренные на "
                              "других комментариях, на ваши не переносятся. Чтобы получить оценки и поправки для ваших "
                              "данных, разметьте несколько сотен комментариев и передайте их через --audit-sample.",
        "metric_with": "{metric} с категорией",
        "metric_without": "{metric} без неё",
        "impact": "Влияние, п.",
        "impact_complaints": "Влияние жалоб, п.",
        "segment_grid_note": "Цветом выделено, где в сегменте не меньше {n} ответов с оценкой с этой категорией и {n} без неё, а 95% интервал не включает 0. Серым — меньше ответов или интервал включает 0: такое значение может быть шумом.",
        "segment_grid_more": "Ещё {n} {n:категория|категории|категорий} с меньшим числом упоминаний — в таблице сегментов драйверов.",
        "impact_ci": "95% ДИ",
        "significant": "Значимо",
        "yes": "да",
        "no": "нет",
        "owner": "Ответственный",
        "top_negative": "Главные негативные драйверы",
        "matrix": "Матрица приоритетов",
        "matrix_lead": "Частые и вредные категории (справа, по вредную сторону от нулевой линии) — в первую очередь; редкие, но вредные — под наблюдение.",
        "regression": "Регрессия ключевых драйверов",
        "regression_lead": "коэф. — на сколько пунктов {metric} у упомянувших категорию отличается от тех, кто её не упомянул, при прочих категориях неизменными (одна регрессия по всем). В отличие от влияния выше, он не растёт с тем, как часто категорию упоминают.",
        "categories": "Категории",
        "categories_lead": "Для каждой категории: как часто о ней пишут, её оценка и что именно написали клиенты.",
        "categories_lead_unscored": "Для каждой категории: как часто о ней пишут и что именно написали клиенты.",
        "tones_overlap": "Жалоб и похвал вместе может быть больше, чем упоминаний: комментарий, который ругает одну подкатегорию и хвалит другую, считается и там, и там ({names}).",
        "from_detractors": "Пишут {detractors}",
        "from_promoters": "Пишут промоутеры",
        "from_top_box": "Пишут довольные клиенты",
        "examples": "Примеры",
        "quotes_complaints": "Жалобы",
        "quotes_praise": "Похвала",
        "no_examples": "Нет комментариев в этой группе.",
        "no_examples_tone_complaint": "В этой группе {n} {n:комментарий|комментария|комментариев}, но ни один не является явной жалобой (по модели тональности и проверке слов): цитировать нечего.",
        "no_examples_tone_praise": "В этой группе {n} {n:комментарий|комментария|комментариев}, но ни один не является явной похвалой (по модели тональности и проверке слов): цитировать нечего.",
        "no_examples_words_complaint": "Ни одна из жалоб ({n}) не процитирована: проверка слов отчёта не находит в них слов жалобы (их можно прочитать в обогащённой таблице).",
        "no_examples_words_praise": "Ни один из отзывов с похвалой ({n}) не процитирован: проверка слов отчёта не находит в них слов похвалы (их можно прочитать в обогащённой таблице).",
        "subcategory": "Подкатегория",
        "table_cut": "Показаны {shown} самых вредных из {total}; все есть в таблице драйверов (файл drivers команды analyze или команда drivers).",
        "segments": "Сегменты: {by}",
        "segment": "Сегмент",
        "segments_empty": "Столбец «{by}» пуст во всех строках: сравнивать нечего.",
        "top_issue": "Чаще всего (% комментариев сегмента)",
        "routing": "Маршрутизация",
        "routing_lead": "Комментарии, отправленные ответственным командам; неуверенные также попадают в очередь на проверку.",
        "team": "Команда",
        "comments": "Всего",  # the routing table's count: "Комментариев" alone made it scroll on a phone
        "review": "На проверку",
        "review_queue": "очередь на проверку",
        "junk_queue": "ответы без темы (пустые, без мнения, одна эмоция: отдельный список)",
        "queue.review": "на проверку",
        "queue.junk": "пустые ответы",
        "queue.unassigned": "без ответственного",
        "evidence.url": "[ссылка]",
        "evidence.num": "[число]",
        "evidence.email": "[e-mail]",
        "evidence.phone": "[телефон]",
        "evidence.none": "[нет слов]",
        "evidence.near": "[ближе всего к описанию]",
        "evidence.in": "в «{quote}»",
        "evidence.positive": "похвала",
        "evidence.negative": "жалоба",
        "evidence.neutral": "нейтрально",
        "method": "Как читать отчёт",
        "method_text_no_valid_scores": "Категории назначены автоматическим классификатором; у комментария может быть несколько категорий. Доли считаются от комментариев (ответов с текстом). В столбце оценок «{column}» нет ни одной корректной оценки, поэтому здесь нет оценок, драйверов и критиков.",
        "method_text_unscored": "Категории назначены автоматическим классификатором; у комментария может быть несколько категорий. Доли считаются от комментариев (ответов с текстом). В файле нет столбца с оценками, поэтому здесь нет оценок, драйверов и критиков: добавьте --score-col.",
        "method_weighted_unscored": "Взвешено по весам опроса из столбца «{column}»: доли — взвешенные (упоминания и ответы — числом строк), эффективный объём выборки Киша n_eff {n} по всей таблице.",
        "method_weighted": "Взвешено по весам опроса из столбца «{column}»: доли, {metric}, влияние и оценки сегментов — взвешенные (упоминания и ответы — числом строк); все интервалы — по эффективному объёму выборки Киша (n_eff {n} по всей таблице; у каждого сегмента и периода свой), ошибки регрессии — взвешенный сэндвич HC1 вместо HC3.",
        "method_text": "Категории назначены автоматическим классификатором; у комментария может быть несколько категорий. Все показатели считаются только по корректным оценкам. Доверительные интервалы: скорректированный Вальд для NPS, Уилсон для долей (CSAT), t-интервал для средних; для влияния — процентильный бутстрэп по респондентам, для коэффициентов регрессии — по робастным стандартным ошибкам HC3. Влияние — это {metric} всех ответов минус {metric} ответов без этой категории; влияние жалоб считает только упоминания, оценённые как жалобы. Значимость — с поправкой Бенджамини–Хохберга по всем категориям.",
        "model.default": "Модель: встроенная модель по умолчанию (написанные вручную примеры, ключевые слова и "
                         "описания таксономии), не обученная на ваших разметках. Она пропускает многие комментарии и "
                         "иногда выбирает не ту категорию: считайте числа по категориям приблизительными и обучите "
                         "модель на нескольких сотнях своих размеченных комментариев.",
        "model.weak": "Модель: обучена без разметки, по ключевым словам таксономии и вашим комментариям; на "
                      "размеченных данных не проверялась.",
        "model.trained": "Модель: обучена на {n} {n:размеченном комментарии|размеченных комментариях|размеченных комментариях}; micro-F1 на кросс-валидации {f1}.",
        "model.given": "Модель: классификатор, переданный вызывающей программой (как он обучен, здесь неизвестно).",
        "model.trained_no_cv": "Модель: обучена на {n} {n:размеченном комментарии|размеченных комментариях|размеченных комментариях}; кросс-валидация не проводилась.",
        "model.taught": "Она также училась на {n} {n:неразмеченном комментарии, размеченном|неразмеченных комментариях, размеченных|неразмеченных комментариях, размеченных} "
                        "моделью-учителем, которая видела все размеченные, поэтому оценка кросс-валидации завышена.",
        "model.rare": "Редко встречаются (меньше 0,5% комментариев; проверьте их, прежде чем доверять цифрам): {names}.",
        "model.often_missed": "Модель часто пропускает (полнота ниже 60%): {names}; их влияние, вероятно, занижено.",
        "model.sentiment_scores": "Жалобы и похвалу определяет встроенная модель тональности, которую слова ваших "
                                  "комментариев научили по их оценкам (--unlabelled-score-col), а не обученная на "
                                  "размеченных мнениях: тексты без мнения (новости, реклама, вопросы) она может считать "
                                  "жалобами, поэтому прочтите цитаты, прежде чем доверять этим числам. Модель, обученная "
                                  "с --sentiment-col на вашей разметке, работает лучше.",
        "model.sentiment_e5": "Жалобы и похвалу определяет встроенная модель тональности, которую научили слова "
                              "выборки этих комментариев в прочтении multilingual-e5-small (--tone-teacher e5), а не "
                              "обученная на размеченных мнениях: прочтите цитаты, прежде чем доверять этим числам. "
                              "Модель, обученная с --sentiment-col на вашей разметке, работает лучше.",
        "model.sentiment_assumed": "Жалобы и похвала взяты из столбца category_sentiment самого файла; скорее всего, их "
                                   "определила встроенная модель тональности (analyze и --tone-teacher e5 сначала учат её "
                                   "словам выборки комментариев файла), не обученная на размеченных мнениях: тексты без "
                                   "мнения (новости, реклама, вопросы) она может считать жалобами, поэтому прочтите "
                                   "цитаты, прежде чем доверять этим числам. Модель, обученная с --sentiment-col на вашей "
                                   "разметке, работает лучше.",
        "model.sentiment_bundled": "Жалобы и похвалу определяет встроенная модель тональности, не обученная на ваших "
                                   "комментариях: многие тексты без мнения (новости, реклама, вопросы) она считает жалобами "
                                   "(72–81% таких русских твитов о банках и операторах связи), поэтому прочтите цитаты, "
                                   "прежде чем доверять этим числам. Модель, обученная с --sentiment-col на вашей разметке, "
                                   "ошибается реже.",
        "nav": "Содержание",
        "scroll_region": "Таблица (на узком экране прокручивается вбок)",
        "score": "Оценка",
        "none": "—",
        "other": "другое",
        "n_resp": "n",
        # the metric's name in the report, per score type
        "metric.nps": "NPS",
        "metric.csat": "CSAT",
        "metric.ces": "CES",
        "metric.mean": "средний балл",
        # who the unhappy respondents are, per score type (``mean`` has none: the NPS word stands in)
        "detractors.nps": "критики",
        "detractors.csat": "недовольные клиенты",
        "detractors.ces": "клиенты с высоким усилием",
        "detractors.mean": "критики",
        # the drivers charts (category names arrive already translated)
        "chart.empty": "Ни одна категория не упомянута",
        "chart.n": "  (n={n})",
        "chart.n_low": "  (n={n}, мало)",
        "chart.impact_axis": "Влияние на {metric}, пункты",
        "chart.ci": ", {confidence} ДИ",
        "chart.impact_title_parent": "Что влияет на {metric}: влияние родительских категорий",
        "chart.impact_title_category": "Что влияет на {metric}: влияние категорий",
        "chart.pale": "бледные: интервал включает 0",
        "chart.hatched": "штриховка: меньше {min_n} {min_n:ответа|ответов|ответов} с оценкой с категорией или без неё",
        "chart.share_axis": "Доля всех ответов с упоминанием, %",
        "reg.coef": "коэф.",
        "reg.p": "p (БХ)",
        "chart.fix_first_bottom": "справа внизу — частые и вредные: исправлять первыми",
        "chart.fix_first_top": "справа вверху — частые и вредные: исправлять первыми",
        "chart.matrix_title_parent": "Матрица приоритетов: родительские категории",
        "chart.matrix_title_category": "Матрица приоритетов: категории",
        "chart.harmful": "снижает {metric}",
        "chart.helpful": "повышает {metric}",
        "chart.harmful_up": "повышает {metric} (хуже)",
        "chart.helpful_down": "снижает {metric} (лучше)",
        "chart.low_n": "меньше {min_n} {min_n:ответа|ответов|ответов} с оценкой с ней или без неё",
        "chart.median": "медианная доля",
        "chart.unlabelled": "без подписи {k} из {n} {n:точки|точек|точек} (см. таблицу драйверов)",
        # the metric on a chart axis, with what it counts
        "chart.metric.nps": "NPS",
        "chart.metric.csat": "CSAT (% топ-2)",
        "chart.metric.ces": "CES (среднее)",
        "chart.metric.mean": "средний балл",
        "polarity.negative": "только жалобы",
        "polarity.positive": "только похвала",
        "polarity.neutral": "только нейтральные упоминания",
        "label.title": "Разметка",
        "label.loading": "загрузка…",
        "label.accept": "Принять",
        "label.skip": "Пропустить",
        "label.undo": "Отменить",
        "label.back": "Назад",
        "label.keys": "отметить категорию · {slash} начните вводить название, {enter} отмечает первую найденную · {enter}/{a} принять · {s} пропустить · {u} отменить · {b}/{left} назад",
        "label.done": "Все комментарии размечены. Метки сохранены: закройте вкладку и нажмите Ctrl+C в терминале.",
        "label.filter": "/ название категории",
        "label.filter_name": "Найти категорию по названию",
        "label.categories": "Категории (пробел отмечает, стрелки переходят)",
        "label.single_keys": "Быстрые клавиши-буквы",
        "label.could_not_load": "Не удалось загрузить: ",
        "label.not_saved": "Не сохранено: ",
        "label.stale": "Не сохранено: этот отзыв тем временем разметили в другой вкладке или другом окне разметки, сохранён их ответ. Это следующий отзыв.",
        "label.down": "Сервер разметки не запущен: запустите команду снова, чтобы продолжить; прежние решения сохранены.",
        "label.answered": "сервер ответил",
        "label.labelled": "размечено",
        "label.skipped": "пропущено",
        "label.to_go": "осталось",
        "label.going_back": "возврат",
        "label.retraining": "переобучение…",
        "label.preparing": "готовлю подсказки…",
        "label.suggestions": "подсказки",
        "label.retrained": "переобучено",
        "label.suggested": "Подсказка: ",
        "label.ticked": "Отмечено: ",
        "label.ticked_none": "Отмечено: ничего (без категории)",
        "label.kind.trained": "обучены на ваших метках",
        "label.kind.model": "модель по умолчанию",
        "label.kind.keywords": "ключевые слова таксономии",
        "label.kind.nothing": "нет до 20 меток (у таксономии нет ключевых слов: укажите --taxonomy)",
    },
}


def ui_text(lang: str, key: str, **values: Any) -> str:
    """The string ``key`` in ``lang``, with ``{placeholders}`` filled from ``values``.

    ``{n:form|forms}`` is the word form that goes with the count ``n`` (``fmt_int``'s text will
    do): English one|other, Russian one|few|many (1 оценка, 2 оценки, 5 оценок, 21 оценка).
    An unknown language is ``check_language``'s one-line error.

    >>> ui_text("ru", "with_comment", n="12")
    '12 с комментарием'
    >>> [ui_text("ru", "scored_note", n=n) for n in ("1", "3", "11", "21", "1 234")]
    ['1 корректная оценка', '3 корректные оценки', '11 корректных оценок', '21 корректная оценка', '1 234 корректные оценки']
    >>> ui_text("en", "scored_note", n="1"), ui_text("en", "scored_note", n="1,001")
    ('1 valid score', '1,001 valid scores')
    """
    text = UI[check_language(lang)][key]
    return _PluralFormatter(lang).format(text, **values) if values else text


def count_noun(n: Any, one: str, other: str | None = None) -> str:
    """``n`` (thousands separated) and the English noun form that goes with it, for the console's
    count phrases: 1 takes the singular (it printed "1 mentions"); ``other`` defaults to ``one + "s"``.

    >>> count_noun(1, "mention"), count_noun(1200, "row"), count_noun(0, "category", "categories")
    ('1 mention', '1,200 rows', '0 categories')
    """
    return f"{n:,} {plural_form('en', n, [one, other or one + 's'])}"


def plural_form(lang: str, count: Any, forms: Sequence[str]) -> str:
    """The one of ``forms`` that goes with ``count``: English (one, other), Russian (one, few,
    many). ``count`` may be a number or a number as the report writes it (``1 234``, ``1,5``);
    a fraction takes Russian's "few" form (1,5 оценки), anything unreadable the last form.

    >>> [plural_form("ru", n, ["день", "дня", "дней"]) for n in (1, 2, 5, 12, 22, 101, "1,5", "—")]
    ['день', 'дня', 'дней', 'дней', 'дня', 'день', 'дня', 'дней']
    """
    text = str(count).strip().replace("\u202f", "").replace("\u00a0", "").replace(" ", "")
    decimal = "," if lang == "ru" else "."
    if lang != "ru":
        text = text.replace(",", "")
    whole, _, fraction = text.partition(decimal)
    if not whole.isdigit() or (fraction and not fraction.isdigit()):
        return forms[-1]
    n, fractional = int(whole), bool(fraction.strip("0"))
    if lang == "ru" and len(forms) == 3:
        if fractional:
            return forms[1]
        if n % 10 == 1 and n % 100 != 11:
            return forms[0]
        return forms[1] if 2 <= n % 10 <= 4 and not 12 <= n % 100 <= 14 else forms[2]
    return forms[0] if n == 1 and not fractional else forms[-1]


class _PluralFormatter(string.Formatter):
    """``str.format`` where a format spec with ``|`` picks the word form for the field's count."""

    def __init__(self, lang: str):
        self.lang = lang

    def format_field(self, value: Any, format_spec: str) -> Any:
        if "|" in format_spec:
            return plural_form(self.lang, value, format_spec.split("|"))
        return super().format_field(value, format_spec)
