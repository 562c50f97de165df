-- Reference data: officers, partners, effective-dated regulatory parameters, product pricing,
-- lending-policy thresholds, public holidays and message templates.
--
-- Every number from the law is a parameter with an effective date (credit-law.md), never a
-- constant in code. The value in force on a day is the row with the latest effective_from on or
-- before that day; uniqueness of (code, effective_from) means two values can never compete.
-- Rates are integer basis points (1% = 100 bp) and money is integer cents, both exact.

create table officer (
    officer_id uuid not null default gen_random_uuid(),
    -- The PostgreSQL login role of this officer (DESIGN.md decision 1).
    login_name text not null,
    full_name text not null,
    email text not null,
    group_role text not null,
    approval_limit_cents bigint not null default 0,
    active boolean not null default true,
    disabled_at timestamptz,
    created_at timestamptz not null default now(),
    updated_at timestamptz not null default now(),
    constraint officer_pkey primary key (officer_id),
    constraint officer_login_name_key unique (login_name),
    constraint officer_login_name_format check (login_name ~ '^[a-z][a-z0-9_]{2,62}$'),
    constraint officer_group_role_check check (group_role in (
        'pocket_officer', 'pocket_supervisor', 'pocket_collections', 'pocket_admin', 'pocket_auditor'
    )),
    constraint officer_approval_limit_check check (approval_limit_cents >= 0),
    constraint officer_full_name_check check (length(btrim(full_name)) > 0),
    constraint officer_disabled_check check (active = (disabled_at is null))
);

create table partner (
    partner_id uuid not null default gen_random_uuid(),
    name text not null,
    contact_email text,
    active boolean not null default true,
    created_at timestamptz not null default now(),
    updated_at timestamptz not null default now(),
    constraint partner_pkey primary key (partner_id),
    constraint partner_name_key unique (name)
);

-- API keys are stored as SHA-256 of the full key; the prefix finds the row without scanning.
create table partner_api_key (
    partner_api_key_id uuid not null default gen_random_uuid(),
    partner_id uuid not null,
    key_prefix text not null,
    key_hash text not null,
    label text not null default '',
    last_used_at timestamptz,
    revoked_at timestamptz,
    created_at timestamptz not null default now(),
    updated_at timestamptz not null default now(),
    constraint partner_api_key_pkey primary key (partner_api_key_id),
    constraint partner_api_key_partner_fkey foreign key (partner_id) references partner (partner_id),
    constraint partner_api_key_prefix_key unique (key_prefix),
    constraint partner_api_key_prefix_format check (key_prefix ~ '^[A-Za-z0-9]{8,16}$'),
    constraint partner_api_key_hash_format check (key_hash ~ '^[0-9a-f]{64}$')
);

create table regulatory_parameter (
    regulatory_parameter_id uuid not null default gen_random_uuid(),
    code text not null,
    effective_from date not null,
    value bigint not null,
    unit text not null,
    source text not null,
    created_at timestamptz not null default now(),
    updated_at timestamptz not null default now(),
    constraint regulatory_parameter_pkey primary key (regulatory_parameter_id),
    constraint regulatory_parameter_code_effective_key unique (code, effective_from),
    constraint regulatory_parameter_unit_check check (unit in (
        'cents', 'basis_points', 'months', 'days', 'business_days', 'count'
    )),
    constraint regulatory_parameter_value_check check (value >= 0)
);

-- NCA Regulations as amended by GN 1080 (GG 39379), in force 6 May 2016 (credit-law.md). The
-- codes follow the fields of pocket_domain::RegulatoryParameters.
insert into regulatory_parameter (code, effective_from, value, unit, source) values
    -- Reg 39(2): short-term credit of at most R8 000, repaid within 6 months (the domain counts
    -- the 6 months as 180 days).
    ('max_principal', '2016-05-06', 800000, 'cents', 'NCA Reg 39(2)'),
    ('max_term_days', '2016-05-06', 180, 'days', 'NCA Reg 39(2)'),
    -- Reg 42 Table A: 5% a month on a first loan, 3% a month on later loans in the same year.
    ('interest_cap_first_loan', '2016-05-06', 500, 'basis_points', 'NCA Reg 42 Table A'),
    ('interest_cap_subsequent', '2016-05-06', 300, 'basis_points', 'NCA Reg 42 Table A'),
    -- Reg 42 Table B / Reg 43: R165 + 10% above R1 000, at most R1 050 and 15% of the principal.
    ('initiation_fee_base', '2016-05-06', 16500, 'cents', 'NCA Reg 42 Table B'),
    ('initiation_fee_threshold', '2016-05-06', 100000, 'cents', 'NCA Reg 42 Table B'),
    ('initiation_fee_rate_above_threshold', '2016-05-06', 1000, 'basis_points', 'NCA Reg 42 Table B'),
    ('initiation_fee_maximum', '2016-05-06', 105000, 'cents', 'NCA Reg 42 Table B'),
    ('initiation_fee_max_share_of_principal', '2016-05-06', 1500, 'basis_points', 'NCA Reg 43'),
    -- Reg 44: a monthly service fee of at most R60.
    ('service_fee_cap_per_month', '2016-05-06', 6000, 'cents', 'NCA Reg 44'),
    -- VAT on fees (not on interest). The first row starts the seeded history, it is not the date
    -- VAT became 14%; the second is the increase of 1 April 2018 (credit-law.md).
    ('vat_rate', '2016-05-06', 1400, 'basis_points', 'VAT Act, rate before 1 April 2018'),
    ('vat_rate', '2018-04-01', 1500, 'basis_points', 'VAT Act, rate from 1 April 2018'),
    -- s92, Reg 28: the quote binds the lender for 5 business days.
    ('quote_valid_business_days', '2016-05-06', 5, 'business_days', 'NCA s92, Reg 28'),
    -- Reg 55(1)(b): keep records for at least 3 years.
    ('record_retention', '2016-05-06', 36, 'months', 'NCA Reg 55(1)(b)'),
    -- collections.md: a two-day batch reaches the provider 2 business days before its action date.
    ('two_day_lead', '2016-05-06', 2, 'business_days', 'collections.md'),
    -- collections.md: a code 02 unpaid may be re-presented at most 2 more times.
    ('max_representments_code_02', '2016-05-06', 2, 'count', 'collections.md');

-- Reg 23A Table 1 minimum expense norms: fixed factor plus a share of gross income above the
-- band's lower bound. Each band is identified by its lower bound and effective date; a band runs
-- up to the next band's lower bound (R800.01 and up is "above R800").
create table expense_norm_band (
    expense_norm_band_id uuid not null default gen_random_uuid(),
    effective_from date not null,
    income_from_cents bigint not null,
    fixed_factor_cents bigint not null,
    rate_above_bp integer not null,
    created_at timestamptz not null default now(),
    updated_at timestamptz not null default now(),
    constraint expense_norm_band_pkey primary key (expense_norm_band_id),
    constraint expense_norm_band_effective_key unique (effective_from, income_from_cents),
    constraint expense_norm_band_amounts_check check (income_from_cents >= 0 and fixed_factor_cents >= 0),
    constraint expense_norm_band_rate_check check (rate_above_bp between 0 and 10000)
);

-- NCA Reg 23A Table 1, in force 13 March 2015 (credit-law.md; the top band's rate is marked verify).
insert into expense_norm_band (effective_from, income_from_cents, fixed_factor_cents, rate_above_bp) values
    ('2015-03-13', 0, 0, 10000),
    ('2015-03-13', 80000, 80000, 675),
    ('2015-03-13', 625000, 116788, 900),
    ('2015-03-13', 2500000, 285538, 820),
    ('2015-03-13', 5000000, 490538, 680);

create table product (
    product_id uuid not null default gen_random_uuid(),
    code text not null,
    name text not null,
    min_principal_cents bigint not null,
    max_principal_cents bigint not null,
    min_term_days integer not null,
    max_term_days integer not null,
    active boolean not null default true,
    created_at timestamptz not null default now(),
    updated_at timestamptz not null default now(),
    constraint product_pkey primary key (product_id),
    constraint product_code_key unique (code),
    constraint product_principal_check check (
        min_principal_cents > 0 and max_principal_cents >= min_principal_cents
    ),
    constraint product_term_check check (min_term_days > 0 and max_term_days >= min_term_days)
);

-- What the lender charges, at or below the caps, from a date on.
create table product_pricing (
    product_pricing_id uuid not null default gen_random_uuid(),
    product_id uuid not null,
    effective_from date not null,
    interest_first_loan_bp integer not null,
    interest_subsequent_loan_bp integer not null,
    service_fee_monthly_cents bigint not null,
    charge_initiation_fee boolean not null default true,
    interest_convention text not null,
    created_at timestamptz not null default now(),
    updated_at timestamptz not null default now(),
    constraint product_pricing_pkey primary key (product_pricing_id),
    constraint product_pricing_product_fkey foreign key (product_id) references product (product_id),
    constraint product_pricing_effective_key unique (product_id, effective_from),
    constraint product_pricing_rates_check check (
        interest_first_loan_bp >= 0 and interest_subsequent_loan_bp >= 0
    ),
    constraint product_pricing_service_fee_check check (service_fee_monthly_cents >= 0),
    -- credit-law.md: flat per month, or daily at the monthly rate x 12 / 365.
    constraint product_pricing_convention_check check (interest_convention in ('flat_month', 'daily'))
);

insert into product (code, name, min_principal_cents, max_principal_cents, min_term_days, max_term_days)
values ('short_term', 'Pocket short-term loan', 50000, 800000, 7, 180);

insert into product_pricing (
    product_id, effective_from, interest_first_loan_bp, interest_subsequent_loan_bp,
    service_fee_monthly_cents, interest_convention
)
select product_id, '2016-05-06', 500, 300, 6000, 'flat_month' from product where code = 'short_term';

-- Thresholds of the lending policy (not law: the lender's own risk appetite), effective-dated.
create table lending_policy_threshold (
    lending_policy_threshold_id uuid not null default gen_random_uuid(),
    code text not null,
    effective_from date not null,
    value bigint not null,
    unit text not null,
    description text not null default '',
    created_at timestamptz not null default now(),
    updated_at timestamptz not null default now(),
    constraint lending_policy_threshold_pkey primary key (lending_policy_threshold_id),
    constraint lending_policy_threshold_code_effective_key unique (code, effective_from),
    constraint lending_policy_threshold_unit_check check (unit in (
        'cents', 'basis_points', 'score', 'count', 'years', 'months', 'days'
    ))
);

-- The codes follow the fields of pocket_domain::PolicyThresholds.
insert into lending_policy_threshold (code, effective_from, value, unit, description) values
    ('minimum_age', '2016-05-06', 18, 'years', 'Applicants must be adults on the application date'),
    ('minimum_net_income', '2016-05-06', 250000, 'cents', 'Minimum monthly net income'),
    ('decline_below_score', '2016-05-06', 550, 'score', 'Below this bureau score the application is declined'),
    ('refer_below_score', '2016-05-06', 600, 'score', 'Below this bureau score an officer decides'),
    ('max_adverse_listings', '2016-05-06', 0, 'count', 'More adverse listings refer or decline'),
    ('max_judgments', '2016-05-06', 0, 'count', 'More judgments decline'),
    ('max_instalment_to_net_income', '2016-05-06', 3000, 'basis_points', 'The largest instalment as a share of net income'),
    ('first_loan_limit', '2016-05-06', 300000, 'cents', 'The most lent on a first loan'),
    ('repeat_loan_limit', '2016-05-06', 800000, 'cents', 'The most lent to a repeat customer'),
    ('offer_step', '2016-05-06', 10000, 'cents', 'Reduced offers are rounded down to this step'),
    ('affordability_buffer', '2016-05-06', 1000, 'basis_points', 'Share of discretionary income kept free'),
    ('min_days_to_first_instalment', '2016-05-06', 5, 'days', 'The first debit is at least this many days after pay-out');

-- Extra public holidays declared by the President (collections.md); the statutory ones of the
-- Public Holidays Act 36 of 1994 are computed by the domain calendar.
create table public_holiday (
    public_holiday_id uuid not null default gen_random_uuid(),
    holiday_date date not null,
    name text not null,
    declared_by text not null,
    created_at timestamptz not null default now(),
    updated_at timestamptz not null default now(),
    constraint public_holiday_pkey primary key (public_holiday_id),
    constraint public_holiday_date_key unique (holiday_date),
    constraint public_holiday_name_check check (length(btrim(name)) > 0)
);

create table message_template (
    message_template_id uuid not null default gen_random_uuid(),
    code text not null,
    channel text not null,
    version integer not null,
    subject text,
    body text not null,
    active boolean not null default true,
    created_at timestamptz not null default now(),
    updated_at timestamptz not null default now(),
    constraint message_template_pkey primary key (message_template_id),
    constraint message_template_code_version_key unique (code, channel, version),
    constraint message_template_channel_check check (channel in ('sms', 'email')),
    constraint message_template_version_check check (version > 0),
    constraint message_template_subject_check check ((channel = 'email') = (subject is not null))
);
-- Only one version of a template is in use at a time.
create unique index message_template_one_active_idx on message_template (code, channel) where active;

insert into message_template (code, channel, version, subject, body) values
    ('otp', 'sms', 1, null, 'Pocket Loans: your PIN is {{pin}}. It expires in 5 minutes. Never share it.'),
    ('application_received', 'sms', 1, null, 'Pocket Loans: we received application {{reference}}.'),
    ('application_received', 'email', 1, 'Application {{reference}} received',
        'Dear {{name}}, we received your application {{reference}} and will answer shortly.'),
    ('decision', 'sms', 1, null, 'Pocket Loans: application {{reference}} is {{outcome}}. Details: {{link}}'),
    ('documents_requested', 'sms', 1, null, 'Pocket Loans: please upload {{documents}} for {{reference}}.'),
    ('paid_out', 'sms', 1, null, 'Pocket Loans: R{{amount}} was paid into your account for {{reference}}.'),
    ('debit_reminder', 'sms', 1, null, 'Pocket Loans: R{{amount}} will be debited on {{date}}.'),
    ('unpaid', 'sms', 1, null, 'Pocket Loans: your debit of R{{amount}} on {{date}} was unpaid. Call us.');

create trigger officer_updated_at before update on officer for each row execute function set_updated_at();
create trigger partner_updated_at before update on partner for each row execute function set_updated_at();
create trigger partner_api_key_updated_at before update on partner_api_key for each row execute function set_updated_at();
create trigger regulatory_parameter_updated_at before update on regulatory_parameter for each row execute function set_updated_at();
create trigger expense_norm_band_updated_at before update on expense_norm_band for each row execute function set_updated_at();
create trigger product_updated_at before update on product for each row execute function set_updated_at();
create trigger product_pricing_updated_at before update on product_pricing for each row execute function set_updated_at();
create trigger lending_policy_threshold_updated_at before update on lending_policy_threshold for each row execute function set_updated_at();
create trigger public_holiday_updated_at before update on public_holiday for each row execute function set_updated_at();
create trigger message_template_updated_at before update on message_template for each row execute function set_updated_at();
