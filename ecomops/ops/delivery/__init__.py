"""Scheduled delivery of the weekly/monthly review and of alerts to email, WeCom, DingTalk, Feishu, Slack and webhooks.

Modules by concern (docs/delivery.md is the user's guide):

* ``model`` — destinations, subscriptions, messages; validation; secrets shown only redacted;
* ``texts`` — the message sentences in Chinese and English (to move into the i18n catalogs);
* ``formats`` — each platform's documented message format and signature (pure functions);
* ``senders`` — SMTP and HTTPS sending, errors with secrets removed and a retryable flag;
* ``content`` — the messages' content from the review, monitoring, inventory and reputation modules;
* ``schedule`` — occurrences and their keys, in each subscription's timezone;
* ``store`` — the tables of migration 910 (settings, destinations, subscriptions, the delivery log);
* ``runner`` — sending what is due exactly once, catch-up, retries with exponential backoff;
* ``scheduler`` — the loop that sleeps until the next due time;
* ``config_file`` — the TOML file of the command line.
"""
