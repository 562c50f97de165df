-- 100 000 more applicants, each with a complete application, for measuring the back office at
-- the scale the issue names. Written as the migration owner with triggers off (replica mode):
-- the audit copies and notifications of a bulk load are not what is measured.
set session_replication_role = replica;

insert into applicant (msisdn, id_number, first_names, surname, email, date_of_birth,
                       address_line1, suburb, city, postal_code)
select '+2769' || lpad(i::text, 7, '0'),
       '99' || lpad(i::text, 11, '0'),
       (array['Thandiwe','Sibusiso','Nomvula','Pieter','Ayesha','Kagiso','Lindiwe','Johan','Naledi','Mandla'])[1 + i % 10],
       (array['Dlamini','Nkosi','Botha','Naidoo','Khumalo','van Wyk','Mahlangu','Pillay','Mokoena','Jacobs','Sithole','Adams'])[1 + (i / 10) % 12],
       'bulk' || i || '@example.co.za',
       date '1970-01-01' + (i % 15000),
       (i % 300) || ' Main Road', 'Soweto', 'Johannesburg', lpad((i % 9000 + 1000)::text, 4, '0')
from generate_series(1, 100000) as i;

insert into application (applicant_id, product_id, channel, status, requested_amount_cents,
                         requested_term_days, employer_name, employment_type, pay_frequency, payday,
                         gross_income_cents, net_income_cents, declared_expenses_cents,
                         declared_debt_cents, bank_branch_code, bank_account_number,
                         bank_account_type, bank_account_holder, submitted_at, decided_at,
                         created_at, updated_at)
select p.applicant_id,
       (select product_id from product where code = 'short_term'),
       'portal',
       (array['submitted','pre_approved','referred','documents_requested','declined','approved',
              'signed','paid_out','paid_out','paid_out','cancelled','expired'])[1 + n % 12],
       50000 + (n * 7919) % 750000,
       (array[30, 60, 90, 180])[1 + n % 4],
       'Shoprite', 'permanent', 'monthly', 'monthly:25',
       2000000, 1600000, 500000, 100000, '250655', lpad((n * 31)::text, 10, '0'), 1,
       p.first_names || ' ' || p.surname,
       now() - make_interval(mins => n::int), now() - make_interval(mins => n::int),
       now() - make_interval(mins => n::int + 5), now() - make_interval(mins => n::int)
from (select applicant_id, first_names, surname,
             row_number() over (order by msisdn) as n
      from applicant where msisdn like '+2769%') p;

set session_replication_role = origin;
analyze applicant;
analyze application;
