-- The SQL of one online submission (POST /api/v1/dossiers/) as the application runs it once warm
-- (bench/run.py records the live statement count of a first submission next to this script's):
-- the reads before the transaction (bearer token, idempotency key, the catalogue and units
-- versions, personal documents), then the same inserts in one transaction (with the flows
-- version read before the flow row). Not replayed: the token's last-used UPDATE (once a minute
-- per token), nor the reads of the procedure, its documents and agencies, the communes and the
-- flow version, which each server process keeps while their version stays the same.
-- Variables come from bench/run.py (-D); codes and keys come from a sequence so they stay unique.
SELECT u.*, t.id AS token_id, t.last_used_at AS token_last_used_at FROM accounts_apitoken t JOIN accounts_user u ON u.id = t.user_id WHERE t.token_hash = :token_hash AND t.revoked_at IS NULL AND t.expires_at > now() AND u.is_active;
SELECT nextval('bench_floor_seq') AS n \gset
SELECT request_hash, dossier_id FROM dossiers_idempotencykey WHERE user_id = :user AND key = 'floor-' || :n;
SELECT version FROM core_referenceversion WHERE name = 'catalogue';
SELECT version FROM core_referenceversion WHERE name = 'units';
SELECT id, owner_id, title, file, content_type, size, sha256 FROM dossiers_personaldocument WHERE id IN (:doc);
BEGIN;
INSERT INTO dossiers_dossiercodecounter (agency_id, day, value) VALUES (:agency, current_date, 1) ON CONFLICT (agency_id, day) DO UPDATE SET value = dossiers_dossiercodecounter.value + 1 RETURNING value;
INSERT INTO dossiers_dossier (code, procedure_id, applicant_id, applicant_name, applicant_cccd, applicant_phone, applicant_email, applicant_unit_id, applicant_address, receiving_agency_id, channel, status, resume_status, is_draft, form_data, created_at, updated_at, submitted_at, received_at, due_at, paid_at, finished_at, returned_at, version) VALUES ('FLOOR-' || :n, :proc, :user, 'Lê Thị Thu Trang', '087199000000', '+84912345678', 'trang@example.vn', :unit, 'Số 5, ấp Mỹ Hòa', :agency, 'online', 1, NULL, false, '{"ho_ten": "Nguyễn Thị Ngọc Hân", "ngay_sinh": "2021-06-10", "gioi_tinh": "nam", "noi_sinh": {"province": "82", "commune": "30178", "detail": "Số 12, ấp Tân Thuận"}, "me": {"ho_ten": "Nguyễn Thị Ngọc Hân", "so_dinh_danh": "087095001234"}, "cha": {"ho_ten": "Nguyễn Văn An", "so_dinh_danh": "087095001235"}}', now(), now(), now(), NULL, NULL, NULL, NULL, NULL, 1) RETURNING id AS dossier \gset
SELECT version FROM core_referenceversion WHERE name = 'flows';
INSERT INTO workflows_dossierflow (dossier_id, version_id, state_id, assignee_id, current_agency_id, waiting_roles, search_name, step_started_at, step_due_at, alert_level, timing, step_alert_sent) VALUES (:dossier, :flow_version, :flow_state, NULL, :agency, ',one_stop_officer,', 'le thi thu trang', now(), NULL, 0, '', false) RETURNING id;
INSERT INTO dossiers_attachment (dossier_id, required_document_id, supplement_id, original_name, file, content_type, size, sha256, uploaded_at, uploaded_by_id) VALUES (:dossier, :reqdoc, NULL, 'giay-to.pdf', 'dossiers/2026/11/5815060a6f815e228eae363fabee6175.pdf', 'application/pdf', 329, repeat('7', 64), now(), :user), (:dossier, :reqdoc, NULL, 'giay-to.pdf', 'dossiers/2026/11/5815060a6f815e228eae363fabee6175.pdf', 'application/pdf', 329, repeat('7', 64), now(), :user) RETURNING id;
INSERT INTO dossiers_dossierstatuschange (dossier_id, from_status, to_status, at, actor_id, note) VALUES (:dossier, NULL, 1, now(), :user, '') RETURNING id;
INSERT INTO dossiers_dossierevent (dossier_id, code, status, agency_code, occurred_at, published_at, kind) VALUES (:dossier, 'FLOOR-' || :n, 1, 'H20.201.01', now(), NULL, 'status') RETURNING id;
INSERT INTO audit_auditentry (object_type, object_id, sequence, action, actor_id, actor_label, at, data, ip, prev_hash, hash) VALUES ('dossiers.dossier', CAST(:dossier AS text), 1, 'dossiers.submit', :user, 'Lê Thị Thu Trang (#1)', now(), '{"code": "FLOOR", "status": 1}', NULL, repeat('0', 64), md5(CAST(:n AS text)) || md5(CAST(:n AS text))) RETURNING id;
INSERT INTO dossiers_notification (dossier_id, kind, status, created_at, state, next_attempt_at, attempts, channels, sent_at, last_error) VALUES (:dossier, 'submitted', 1, now(), 'pending', '9999-01-01 00:00:00+00', 0, '', NULL, '') RETURNING id;
INSERT INTO dossiers_idempotencykey (user_id, key, request_hash, dossier_id, created_at) VALUES (:user, 'floor-' || :n, repeat('a', 64), :dossier, now()) RETURNING id;
COMMIT;
