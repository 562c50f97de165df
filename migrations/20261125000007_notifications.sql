-- Notifications: the applicant's opt-out of messages that the law does not require, and a template
-- for every event the platform tells applicants about (issue: providers and the worker).
--
-- `do_not_contact` (set for a deceased account holder, collections.md code 18, or on a legal
-- instruction) stops every message; `notifications_opted_out` stops only those that are not
-- legally required (POPIA s69 and the applicant's wish), so a one-time PIN they asked for and the
-- reasons for a decline (NCA s62, POPIA s71) still reach them.

alter table applicant add column notifications_opted_out boolean not null default false;
grant update (notifications_opted_out) on applicant to pocket_portal, pocket_officer, pocket_worker;

-- Each outcome gets its own template, so a message says one thing clearly (the general
-- `decision` template stays for referrals); SMS texts are kept within one GSM-7 part
-- (160 characters once filled in, clickatell.md).

insert into message_template (code, channel, version, subject, body) values
    ('otp', 'email', 1, 'Your Pocket Loans PIN',
        'Your one-time PIN is {{pin}}. It expires in 5 minutes. Pocket Loans will never ask you for it.'),
    ('documents_requested', 'email', 1, 'Documents needed for {{reference}}',
        'Dear {{name}}, to finish application {{reference}} please upload: {{documents}}. Upload them on {{link}}'),
    ('pre_approved', 'sms', 1, null,
        'Pocket Loans: {{reference}} is pre-approved for R{{amount}}. Accept and sign: {{link}}'),
    ('pre_approved', 'email', 1, 'You are pre-approved: {{reference}}',
        'Dear {{name}}, application {{reference}} is pre-approved for R{{amount}}. Read the quotation and sign on {{link}}'),
    ('approved', 'sms', 1, null,
        'Pocket Loans: {{reference}} is approved. We will pay R{{amount}} into your account soon.'),
    ('approved', 'email', 1, 'Application {{reference}} approved',
        'Dear {{name}}, application {{reference}} is approved. We will pay R{{amount}} into your bank account soon.'),
    ('declined', 'sms', 1, null,
        'Pocket Loans: we cannot offer a loan on {{reference}}. Reasons and a human review: {{link}}'),
    ('declined', 'email', 1, 'Application {{reference}}: our answer',
        'Dear {{name}}, we cannot offer you a loan on application {{reference}} because: {{reasons}}. You may ask a person to review this decision on {{link}}'),
    ('paid_out', 'email', 1, 'Loan {{reference}} paid out',
        'Dear {{name}}, R{{amount}} was paid into your bank account for loan {{reference}}. Your repayment schedule is on {{link}}'),
    ('debit_reminder', 'email', 1, 'Debit order on {{date}}',
        'Dear {{name}}, R{{amount}} will be debited from your account on {{date}} for loan {{reference}}.'),
    ('unpaid', 'email', 1, 'Your debit order of {{date}} was unpaid',
        'Dear {{name}}, your debit order of R{{amount}} on {{date}} for loan {{reference}} came back unpaid. Please call us so we can agree on a way forward.'),
    ('paid_up', 'sms', 1, null,
        'Pocket Loans: loan {{reference}} is paid up. Thank you! Your paid-up letter: {{link}}'),
    ('paid_up', 'email', 1, 'Loan {{reference}} is paid up',
        'Dear {{name}}, loan {{reference}} is paid up in full. Thank you. Your paid-up letter is on {{link}}');
