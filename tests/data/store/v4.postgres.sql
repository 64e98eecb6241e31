--
-- PostgreSQL database dump
--


-- Dumped from database version 15.18 (Debian 15.18-0+deb12u1)
-- Dumped by pg_dump version 15.18 (Debian 15.18-0+deb12u1)

SET statement_timeout = 0;
SET lock_timeout = 0;
SET idle_in_transaction_session_timeout = 0;
SET client_encoding = 'UTF8';
SET standard_conforming_strings = on;
SELECT pg_catalog.set_config('search_path', '', false);
SET check_function_bodies = false;
SET xmloption = content;
SET client_min_messages = warning;
SET row_security = off;

SET default_tablespace = '';

SET default_table_access_method = heap;

--
-- Name: findings; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.findings (
    id integer NOT NULL,
    job_id integer NOT NULL,
    task_id integer,
    datasource_id character varying(64) NOT NULL,
    object_path text NOT NULL,
    member text NOT NULL,
    location character varying(256) NOT NULL,
    entity character varying(64) NOT NULL,
    score double precision NOT NULL,
    masked character varying(256) NOT NULL,
    value_hash character varying(64) NOT NULL,
    value text,
    carried boolean NOT NULL
);


--
-- Name: findings_id_seq; Type: SEQUENCE; Schema: public; Owner: -
--

CREATE SEQUENCE public.findings_id_seq
    AS integer
    START WITH 1
    INCREMENT BY 1
    NO MINVALUE
    NO MAXVALUE
    CACHE 1;


--
-- Name: findings_id_seq; Type: SEQUENCE OWNED BY; Schema: public; Owner: -
--

ALTER SEQUENCE public.findings_id_seq OWNED BY public.findings.id;


--
-- Name: jobs; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.jobs (
    id integer NOT NULL,
    name character varying(64) NOT NULL,
    status character varying(16) NOT NULL,
    source_text text NOT NULL,
    source_path text NOT NULL,
    options text NOT NULL,
    previous_job_id integer,
    created_at double precision NOT NULL,
    finished_at double precision,
    error text,
    key_fingerprint character varying(64)
);


--
-- Name: jobs_id_seq; Type: SEQUENCE; Schema: public; Owner: -
--

CREATE SEQUENCE public.jobs_id_seq
    AS integer
    START WITH 1
    INCREMENT BY 1
    NO MINVALUE
    NO MAXVALUE
    CACHE 1;


--
-- Name: jobs_id_seq; Type: SEQUENCE OWNED BY; Schema: public; Owner: -
--

ALTER SEQUENCE public.jobs_id_seq OWNED BY public.jobs.id;


--
-- Name: objects; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.objects (
    id integer NOT NULL,
    job_id integer NOT NULL,
    datasource_id character varying(64) NOT NULL,
    path text NOT NULL,
    size integer NOT NULL,
    mtime double precision NOT NULL,
    content_hash character varying(64),
    marker character varying(256),
    status character varying(16) NOT NULL,
    reason text,
    task_id integer,
    findings integer NOT NULL,
    reads integer NOT NULL
);


--
-- Name: objects_id_seq; Type: SEQUENCE; Schema: public; Owner: -
--

CREATE SEQUENCE public.objects_id_seq
    AS integer
    START WITH 1
    INCREMENT BY 1
    NO MINVALUE
    NO MAXVALUE
    CACHE 1;


--
-- Name: objects_id_seq; Type: SEQUENCE OWNED BY; Schema: public; Owner: -
--

ALTER SEQUENCE public.objects_id_seq OWNED BY public.objects.id;


--
-- Name: output_records; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.output_records (
    id integer NOT NULL,
    job_id integer NOT NULL,
    task_id integer NOT NULL,
    datasource_id character varying(64) NOT NULL,
    payload text NOT NULL,
    processed boolean NOT NULL
);


--
-- Name: output_records_id_seq; Type: SEQUENCE; Schema: public; Owner: -
--

CREATE SEQUENCE public.output_records_id_seq
    AS integer
    START WITH 1
    INCREMENT BY 1
    NO MINVALUE
    NO MAXVALUE
    CACHE 1;


--
-- Name: output_records_id_seq; Type: SEQUENCE OWNED BY; Schema: public; Owner: -
--

ALTER SEQUENCE public.output_records_id_seq OWNED BY public.output_records.id;


--
-- Name: schema_meta; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.schema_meta (
    key character varying(64) NOT NULL,
    value character varying(256) NOT NULL
);


--
-- Name: suppressions; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.suppressions (
    id integer NOT NULL,
    kind character varying(16) NOT NULL,
    pattern text NOT NULL,
    entity character varying(64),
    reason text NOT NULL,
    created_at double precision NOT NULL
);


--
-- Name: suppressions_id_seq; Type: SEQUENCE; Schema: public; Owner: -
--

CREATE SEQUENCE public.suppressions_id_seq
    AS integer
    START WITH 1
    INCREMENT BY 1
    NO MINVALUE
    NO MAXVALUE
    CACHE 1;


--
-- Name: suppressions_id_seq; Type: SEQUENCE OWNED BY; Schema: public; Owner: -
--

ALTER SEQUENCE public.suppressions_id_seq OWNED BY public.suppressions.id;


--
-- Name: tasks; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.tasks (
    id integer NOT NULL,
    job_id integer NOT NULL,
    type character varying(16) NOT NULL,
    status character varying(16) NOT NULL,
    datasource_id character varying(64) NOT NULL,
    attempts integer NOT NULL,
    max_attempts integer NOT NULL,
    lease_owner character varying(128),
    lease_expires_at double precision,
    fence integer NOT NULL,
    bytes integer NOT NULL,
    error text,
    created_at double precision NOT NULL,
    updated_at double precision NOT NULL
);


--
-- Name: tasks_id_seq; Type: SEQUENCE; Schema: public; Owner: -
--

CREATE SEQUENCE public.tasks_id_seq
    AS integer
    START WITH 1
    INCREMENT BY 1
    NO MINVALUE
    NO MAXVALUE
    CACHE 1;


--
-- Name: tasks_id_seq; Type: SEQUENCE OWNED BY; Schema: public; Owner: -
--

ALTER SEQUENCE public.tasks_id_seq OWNED BY public.tasks.id;


--
-- Name: findings id; Type: DEFAULT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.findings ALTER COLUMN id SET DEFAULT nextval('public.findings_id_seq'::regclass);


--
-- Name: jobs id; Type: DEFAULT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.jobs ALTER COLUMN id SET DEFAULT nextval('public.jobs_id_seq'::regclass);


--
-- Name: objects id; Type: DEFAULT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.objects ALTER COLUMN id SET DEFAULT nextval('public.objects_id_seq'::regclass);


--
-- Name: output_records id; Type: DEFAULT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.output_records ALTER COLUMN id SET DEFAULT nextval('public.output_records_id_seq'::regclass);


--
-- Name: suppressions id; Type: DEFAULT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.suppressions ALTER COLUMN id SET DEFAULT nextval('public.suppressions_id_seq'::regclass);


--
-- Name: tasks id; Type: DEFAULT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.tasks ALTER COLUMN id SET DEFAULT nextval('public.tasks_id_seq'::regclass);


--
-- Data for Name: findings; Type: TABLE DATA; Schema: public; Owner: -
--

INSERT INTO public.findings VALUES (1, 1, 3, 'share', 'finance/cp1252-ledger.txt', '', 'line=4,col=39', 'CREDIT_CARD', 1, '510510******5100', 'd72d72052cd507faece0e649ea052d9c99c3d4cc31d6d372600c934df17b9919', NULL, false);
INSERT INTO public.findings VALUES (2, 1, 3, 'share', 'finance/cp1252-ledger.txt', '', 'line=5,col=55', 'IBAN_CODE', 1, 'GB29**************6819', '7d9aa7fc55b7facb157d6c933d429c66237be8601795da1788f8281794c16703', NULL, false);
INSERT INTO public.findings VALUES (3, 1, 3, 'share', 'finance/payments-2024.txt', '', 'line=6,col=84', 'CREDIT_CARD', 1, '411111******1111', 'bbc7855a289823524052ef276cff0e70e938bb1fb5ac8057041b03339e493614', NULL, false);
INSERT INTO public.findings VALUES (4, 1, 3, 'share', 'finance/payments-2024.txt', '', 'line=7,col=71', 'CREDIT_CARD', 1, '555555******4444', '82ed4ca76f2bf4b97e7de2638df55fff225b9abacef736e9b9b2c98f3806fb71', NULL, false);
INSERT INTO public.findings VALUES (5, 1, 3, 'share', 'finance/payments-2024.txt', '', 'line=8,col=55', 'CREDIT_CARD', 1, '378282*****0005', '52204de9ff06bba37f6fdd52155380cd4464edfd56e85f52447a30f2e21c7d12', NULL, false);
INSERT INTO public.findings VALUES (6, 1, 3, 'share', 'finance/payments-2024.txt', '', 'line=9,col=85', 'CREDIT_CARD', 1, '401288******1881', '88397803f2ff36702f087dc8f91bf847013e9e3f0710e36eae56494b9deaf470', NULL, false);
INSERT INTO public.findings VALUES (7, 1, 3, 'share', 'finance/payments-2024.txt', '', 'line=11,col=66', 'IBAN_CODE', 1, 'DE89**************3000', '40174749ae743e2c0076adf0697dc1b14d71a943ac02b006639561067e558df4', NULL, false);
INSERT INTO public.findings VALUES (8, 1, 3, 'share', 'finance/vendors.json', '', 'line=5,col=102', 'IBAN_CODE', 1, 'DE44**************4931', '18e740749b8a0e819d1c3e6ad9e22be3f6fe4b6900171639bc7eb23aa2ca3cfa', NULL, false);
INSERT INTO public.findings VALUES (9, 1, 3, 'share', 'finance/vendors.json', '', 'line=6,col=110', 'IBAN_CODE', 1, 'GB82**************5432', 'a1f67979d685d4b3464e08c2f5e6ae5179236802ce3002ade74ed150a3a88a27', NULL, false);
INSERT INTO public.findings VALUES (10, 1, 3, 'share', 'finance/vendors.json', '', 'line=8,col=113', 'EMAIL_ADDRESS', 1, 'o***@example.com', 'b1b0c0e485643d7919dd099120fed4e134c0556cef038aac607033c68421ea87', NULL, false);
INSERT INTO public.findings VALUES (11, 1, 3, 'share', 'hr/employees.csv', '', 'line=2,col=36', 'US_SSN', 0.5, '***-**-1234', 'c232af13c656a8bab5624b9d86a4766cbe5d7545d893bbd4571de00ff168d992', NULL, false);
INSERT INTO public.findings VALUES (12, 1, 3, 'share', 'hr/employees.csv', '', 'line=2,col=48', 'EMAIL_ADDRESS', 1, 'j***@example.com', 'aac38c2ca29e13616df230042156d6a1fd7b26ce5e5bb9da2864b9645a2a81d4', NULL, false);
INSERT INTO public.findings VALUES (13, 1, 3, 'share', 'hr/employees.csv', '', 'line=3,col=45', 'US_SSN', 0.5, '***-**-7311', '01737032b4347aee2806beefae685a4cb3a500cd19779d65b9d909508616df40', NULL, false);
INSERT INTO public.findings VALUES (14, 1, 3, 'share', 'hr/employees.csv', '', 'line=3,col=57', 'EMAIL_ADDRESS', 1, 'm***@example.com', '240f0cd3c1b01dad3f6173df00c24787c7ff33bd98a79af6596713d173678742', NULL, false);
INSERT INTO public.findings VALUES (15, 1, 3, 'share', 'hr/employees.csv', '', 'line=4,col=37', 'US_SSN', 0.5, '***-**-4321', '1005578ad8a1eca3b18a2bf712692bc4ace2ab4d4c57ccecf8e7f3e45674c38c', NULL, false);
INSERT INTO public.findings VALUES (16, 1, 3, 'share', 'hr/employees.csv', '', 'line=4,col=49', 'EMAIL_ADDRESS', 1, 'p***@example.org', '683febe80fe43e4b2da93492c88bf429d04843dbba36b1fa2905b7d6d3209885', NULL, false);
INSERT INTO public.findings VALUES (17, 1, 3, 'share', 'hr/legacy-export-utf16.txt', '', 'line=3,col=41', 'US_SSN', 0.5, '***-**-7781', '30d21823c27badc45636c4c24140ac5cf98cb6a3b088f46134f33138303ba5b8', NULL, false);
INSERT INTO public.findings VALUES (18, 1, 3, 'share', 'hr/legacy-export-utf16.txt', '', 'line=4,col=40', 'US_SSN', 0.5, '***-**-6654', '2fcc4f7d34b93372f30ad0e91b71d219be0c62d516e27538ce275030344ee33c', NULL, false);
INSERT INTO public.findings VALUES (19, 1, 3, 'share', 'it/servers.md', '', 'line=7,col=36', 'IP_ADDRESS', 0.6, '2**********0', 'c8ff84a9ec61496b90ac186aff320ddfbc71d791e5d99e8ac86837a999ffa395', NULL, false);
INSERT INTO public.findings VALUES (20, 1, 3, 'share', 'it/servers.md', '', 'line=8,col=36', 'IP_ADDRESS', 0.6, '1********5', '12453546b28a194dc76ca8ac8c065d60a8c5f63fedc7f8595aec79ab028204a8', NULL, false);
INSERT INTO public.findings VALUES (21, 1, 3, 'share', 'it/servers.md', '', 'line=9,col=36', 'IP_ADDRESS', 0.6, '1********4', '39301638f293e511959437eecd4f8afe117f2b39b764f6b41bedba12e6729e58', NULL, false);
INSERT INTO public.findings VALUES (22, 1, 3, 'share', 'it/servers.md', '', 'line=13,col=25', 'EMAIL_ADDRESS', 1, 'i***@example.com', 'a2edb0a288c4c034d57b7b05d1664699c3f9085305f337aae50fbed8cbda4974', NULL, false);
INSERT INTO public.findings VALUES (23, 1, 3, 'share', 'it/servers.md', '', 'line=14,col=61', 'PHONE_NUMBER', 0.75, '(************0', 'cc7443add5f0dbe006a545dcd95ebfe96a5827348b3487efd582ba44e9048e28', NULL, false);
INSERT INTO public.findings VALUES (24, 1, 3, 'share', 'legal/contracts.xml', '', 'line=5,col=24', 'EMAIL_ADDRESS', 1, 'l***@example.org', 'aceb80a3037cd0383ac820a415e048abc43675dd5b2296737429275223b02945', NULL, false);
INSERT INTO public.findings VALUES (25, 1, 3, 'share', 'legal/contracts.xml', '', 'line=6,col=40', 'IBAN_CODE', 1, 'GB29**************6819', '7d9aa7fc55b7facb157d6c933d429c66237be8601795da1788f8281794c16703', NULL, false);
INSERT INTO public.findings VALUES (26, 1, 3, 'share', 'notes/change.txt', '', 'line=1,col=6', 'CREDIT_CARD', 1, '411111******1111', 'bbc7855a289823524052ef276cff0e70e938bb1fb5ac8057041b03339e493614', NULL, false);
INSERT INTO public.findings VALUES (27, 1, 3, 'share', 'notes/gone.txt', '', 'line=1,col=15', 'EMAIL_ADDRESS', 1, 'g***@example.com', '6e5a1b367d9d56c92b9be12af8df3b016653a90eb477e4acc3b5ae2a6032260a', NULL, false);
INSERT INTO public.findings VALUES (28, 1, 3, 'share', 'notes/meeting-notes.txt', '', 'line=4,col=67', 'US_SSN', 0.85, '***-**-4321', '8910a3cab29d6e93e1606617440b8dcf0b0d39a775c3488b7cfc2ea7b7f11db8', NULL, false);
INSERT INTO public.findings VALUES (29, 1, 3, 'share', 'notes/meeting-notes.txt', '', 'line=6,col=28', 'IP_ADDRESS', 0.6, '1**********7', '81aa1c0dbd40ac688bce81a7528dc8c0ea2aeda45aa02506b692ec72a92c616f', NULL, false);
INSERT INTO public.findings VALUES (30, 1, 3, 'share', 'notes/meeting-notes.txt', '', 'line=7,col=44', 'EMAIL_ADDRESS', 1, 'p***@example.org', '68f5a94e5246587fd235dd88f7a6987ae78376cfb4981919904eee67713f12bb', NULL, false);
INSERT INTO public.findings VALUES (31, 1, 3, 'share', 'support/tickets.log', '', 'line=1,col=62', 'EMAIL_ADDRESS', 1, 'a***@example.com', 'd42adceb87e863bfb57bedbf98d8e7380aee79603390604ce6fc9db44df25bd6', NULL, false);
INSERT INTO public.findings VALUES (32, 1, 3, 'share', 'support/tickets.log', '', 'line=2,col=81', 'IP_ADDRESS', 0.6, '1***********3', '1b6c47adbbaf25077160385cfbdc6d769660cd4069eedda9388cef67d575ca3b', NULL, false);
INSERT INTO public.findings VALUES (33, 1, 3, 'share', 'support/tickets.log', '', 'line=3,col=92', 'PHONE_NUMBER', 0.75, '(************3', 'eae43212b1747fe7e4acaecb2453c836bf26404a6aa667e4e0a48dc9e96065ca', NULL, false);
INSERT INTO public.findings VALUES (34, 1, 3, 'share', 'support/tickets.log', '', 'line=6,col=89', 'PHONE_NUMBER', 0.75, '+**************8', 'd3c6c9e92badbe210da64972bc16142d170ec5c8b33e96ad9ff47a8386b8225c', NULL, false);
INSERT INTO public.findings VALUES (35, 1, 4, 'second', 'employees.csv', '', 'line=2,col=36', 'US_SSN', 0.5, '***-**-1234', 'c232af13c656a8bab5624b9d86a4766cbe5d7545d893bbd4571de00ff168d992', NULL, false);
INSERT INTO public.findings VALUES (36, 1, 4, 'second', 'employees.csv', '', 'line=2,col=48', 'EMAIL_ADDRESS', 1, 'j***@example.com', 'aac38c2ca29e13616df230042156d6a1fd7b26ce5e5bb9da2864b9645a2a81d4', NULL, false);
INSERT INTO public.findings VALUES (37, 1, 4, 'second', 'employees.csv', '', 'line=3,col=45', 'US_SSN', 0.5, '***-**-7311', '01737032b4347aee2806beefae685a4cb3a500cd19779d65b9d909508616df40', NULL, false);
INSERT INTO public.findings VALUES (38, 1, 4, 'second', 'employees.csv', '', 'line=3,col=57', 'EMAIL_ADDRESS', 1, 'm***@example.com', '240f0cd3c1b01dad3f6173df00c24787c7ff33bd98a79af6596713d173678742', NULL, false);
INSERT INTO public.findings VALUES (39, 1, 4, 'second', 'employees.csv', '', 'line=4,col=37', 'US_SSN', 0.5, '***-**-4321', '1005578ad8a1eca3b18a2bf712692bc4ace2ab4d4c57ccecf8e7f3e45674c38c', NULL, false);
INSERT INTO public.findings VALUES (40, 1, 4, 'second', 'employees.csv', '', 'line=4,col=49', 'EMAIL_ADDRESS', 1, 'p***@example.org', '683febe80fe43e4b2da93492c88bf429d04843dbba36b1fa2905b7d6d3209885', NULL, false);
INSERT INTO public.findings VALUES (41, 1, 4, 'second', 'legacy-export-utf16.txt', '', 'line=3,col=41', 'US_SSN', 0.5, '***-**-7781', '30d21823c27badc45636c4c24140ac5cf98cb6a3b088f46134f33138303ba5b8', NULL, false);
INSERT INTO public.findings VALUES (42, 1, 4, 'second', 'legacy-export-utf16.txt', '', 'line=4,col=40', 'US_SSN', 0.5, '***-**-6654', '2fcc4f7d34b93372f30ad0e91b71d219be0c62d516e27538ce275030344ee33c', NULL, false);
INSERT INTO public.findings VALUES (43, 2, NULL, 'share', 'finance/cp1252-ledger.txt', '', 'line=4,col=39', 'CREDIT_CARD', 1, '510510******5100', 'd72d72052cd507faece0e649ea052d9c99c3d4cc31d6d372600c934df17b9919', NULL, true);
INSERT INTO public.findings VALUES (44, 2, NULL, 'share', 'finance/cp1252-ledger.txt', '', 'line=5,col=55', 'IBAN_CODE', 1, 'GB29**************6819', '7d9aa7fc55b7facb157d6c933d429c66237be8601795da1788f8281794c16703', NULL, true);
INSERT INTO public.findings VALUES (45, 2, NULL, 'share', 'finance/payments-2024.txt', '', 'line=6,col=84', 'CREDIT_CARD', 1, '411111******1111', 'bbc7855a289823524052ef276cff0e70e938bb1fb5ac8057041b03339e493614', NULL, true);
INSERT INTO public.findings VALUES (46, 2, NULL, 'share', 'finance/payments-2024.txt', '', 'line=7,col=71', 'CREDIT_CARD', 1, '555555******4444', '82ed4ca76f2bf4b97e7de2638df55fff225b9abacef736e9b9b2c98f3806fb71', NULL, true);
INSERT INTO public.findings VALUES (47, 2, NULL, 'share', 'finance/payments-2024.txt', '', 'line=8,col=55', 'CREDIT_CARD', 1, '378282*****0005', '52204de9ff06bba37f6fdd52155380cd4464edfd56e85f52447a30f2e21c7d12', NULL, true);
INSERT INTO public.findings VALUES (48, 2, NULL, 'share', 'finance/payments-2024.txt', '', 'line=9,col=85', 'CREDIT_CARD', 1, '401288******1881', '88397803f2ff36702f087dc8f91bf847013e9e3f0710e36eae56494b9deaf470', NULL, true);
INSERT INTO public.findings VALUES (49, 2, NULL, 'share', 'finance/payments-2024.txt', '', 'line=11,col=66', 'IBAN_CODE', 1, 'DE89**************3000', '40174749ae743e2c0076adf0697dc1b14d71a943ac02b006639561067e558df4', NULL, true);
INSERT INTO public.findings VALUES (50, 2, NULL, 'share', 'finance/vendors.json', '', 'line=5,col=102', 'IBAN_CODE', 1, 'DE44**************4931', '18e740749b8a0e819d1c3e6ad9e22be3f6fe4b6900171639bc7eb23aa2ca3cfa', NULL, true);
INSERT INTO public.findings VALUES (51, 2, NULL, 'share', 'finance/vendors.json', '', 'line=6,col=110', 'IBAN_CODE', 1, 'GB82**************5432', 'a1f67979d685d4b3464e08c2f5e6ae5179236802ce3002ade74ed150a3a88a27', NULL, true);
INSERT INTO public.findings VALUES (52, 2, NULL, 'share', 'finance/vendors.json', '', 'line=8,col=113', 'EMAIL_ADDRESS', 1, 'o***@example.com', 'b1b0c0e485643d7919dd099120fed4e134c0556cef038aac607033c68421ea87', NULL, true);
INSERT INTO public.findings VALUES (53, 2, NULL, 'share', 'hr/employees.csv', '', 'line=2,col=36', 'US_SSN', 0.5, '***-**-1234', 'c232af13c656a8bab5624b9d86a4766cbe5d7545d893bbd4571de00ff168d992', NULL, true);
INSERT INTO public.findings VALUES (54, 2, NULL, 'share', 'hr/employees.csv', '', 'line=2,col=48', 'EMAIL_ADDRESS', 1, 'j***@example.com', 'aac38c2ca29e13616df230042156d6a1fd7b26ce5e5bb9da2864b9645a2a81d4', NULL, true);
INSERT INTO public.findings VALUES (55, 2, NULL, 'share', 'hr/employees.csv', '', 'line=3,col=45', 'US_SSN', 0.5, '***-**-7311', '01737032b4347aee2806beefae685a4cb3a500cd19779d65b9d909508616df40', NULL, true);
INSERT INTO public.findings VALUES (56, 2, NULL, 'share', 'hr/employees.csv', '', 'line=3,col=57', 'EMAIL_ADDRESS', 1, 'm***@example.com', '240f0cd3c1b01dad3f6173df00c24787c7ff33bd98a79af6596713d173678742', NULL, true);
INSERT INTO public.findings VALUES (57, 2, NULL, 'share', 'hr/employees.csv', '', 'line=4,col=37', 'US_SSN', 0.5, '***-**-4321', '1005578ad8a1eca3b18a2bf712692bc4ace2ab4d4c57ccecf8e7f3e45674c38c', NULL, true);
INSERT INTO public.findings VALUES (58, 2, NULL, 'share', 'hr/employees.csv', '', 'line=4,col=49', 'EMAIL_ADDRESS', 1, 'p***@example.org', '683febe80fe43e4b2da93492c88bf429d04843dbba36b1fa2905b7d6d3209885', NULL, true);
INSERT INTO public.findings VALUES (59, 2, NULL, 'share', 'hr/legacy-export-utf16.txt', '', 'line=3,col=41', 'US_SSN', 0.5, '***-**-7781', '30d21823c27badc45636c4c24140ac5cf98cb6a3b088f46134f33138303ba5b8', NULL, true);
INSERT INTO public.findings VALUES (60, 2, NULL, 'share', 'hr/legacy-export-utf16.txt', '', 'line=4,col=40', 'US_SSN', 0.5, '***-**-6654', '2fcc4f7d34b93372f30ad0e91b71d219be0c62d516e27538ce275030344ee33c', NULL, true);
INSERT INTO public.findings VALUES (61, 2, NULL, 'share', 'it/servers.md', '', 'line=7,col=36', 'IP_ADDRESS', 0.6, '2**********0', 'c8ff84a9ec61496b90ac186aff320ddfbc71d791e5d99e8ac86837a999ffa395', NULL, true);
INSERT INTO public.findings VALUES (62, 2, NULL, 'share', 'it/servers.md', '', 'line=8,col=36', 'IP_ADDRESS', 0.6, '1********5', '12453546b28a194dc76ca8ac8c065d60a8c5f63fedc7f8595aec79ab028204a8', NULL, true);
INSERT INTO public.findings VALUES (63, 2, NULL, 'share', 'it/servers.md', '', 'line=9,col=36', 'IP_ADDRESS', 0.6, '1********4', '39301638f293e511959437eecd4f8afe117f2b39b764f6b41bedba12e6729e58', NULL, true);
INSERT INTO public.findings VALUES (64, 2, NULL, 'share', 'it/servers.md', '', 'line=13,col=25', 'EMAIL_ADDRESS', 1, 'i***@example.com', 'a2edb0a288c4c034d57b7b05d1664699c3f9085305f337aae50fbed8cbda4974', NULL, true);
INSERT INTO public.findings VALUES (65, 2, NULL, 'share', 'it/servers.md', '', 'line=14,col=61', 'PHONE_NUMBER', 0.75, '(************0', 'cc7443add5f0dbe006a545dcd95ebfe96a5827348b3487efd582ba44e9048e28', NULL, true);
INSERT INTO public.findings VALUES (66, 2, NULL, 'share', 'legal/contracts.xml', '', 'line=5,col=24', 'EMAIL_ADDRESS', 1, 'l***@example.org', 'aceb80a3037cd0383ac820a415e048abc43675dd5b2296737429275223b02945', NULL, true);
INSERT INTO public.findings VALUES (67, 2, NULL, 'share', 'legal/contracts.xml', '', 'line=6,col=40', 'IBAN_CODE', 1, 'GB29**************6819', '7d9aa7fc55b7facb157d6c933d429c66237be8601795da1788f8281794c16703', NULL, true);
INSERT INTO public.findings VALUES (68, 2, NULL, 'share', 'notes/meeting-notes.txt', '', 'line=4,col=67', 'US_SSN', 0.85, '***-**-4321', '8910a3cab29d6e93e1606617440b8dcf0b0d39a775c3488b7cfc2ea7b7f11db8', NULL, true);
INSERT INTO public.findings VALUES (69, 2, NULL, 'share', 'notes/meeting-notes.txt', '', 'line=6,col=28', 'IP_ADDRESS', 0.6, '1**********7', '81aa1c0dbd40ac688bce81a7528dc8c0ea2aeda45aa02506b692ec72a92c616f', NULL, true);
INSERT INTO public.findings VALUES (70, 2, NULL, 'share', 'notes/meeting-notes.txt', '', 'line=7,col=44', 'EMAIL_ADDRESS', 1, 'p***@example.org', '68f5a94e5246587fd235dd88f7a6987ae78376cfb4981919904eee67713f12bb', NULL, true);
INSERT INTO public.findings VALUES (71, 2, NULL, 'share', 'support/tickets.log', '', 'line=1,col=62', 'EMAIL_ADDRESS', 1, 'a***@example.com', 'd42adceb87e863bfb57bedbf98d8e7380aee79603390604ce6fc9db44df25bd6', NULL, true);
INSERT INTO public.findings VALUES (72, 2, NULL, 'share', 'support/tickets.log', '', 'line=2,col=81', 'IP_ADDRESS', 0.6, '1***********3', '1b6c47adbbaf25077160385cfbdc6d769660cd4069eedda9388cef67d575ca3b', NULL, true);
INSERT INTO public.findings VALUES (73, 2, NULL, 'share', 'support/tickets.log', '', 'line=3,col=92', 'PHONE_NUMBER', 0.75, '(************3', 'eae43212b1747fe7e4acaecb2453c836bf26404a6aa667e4e0a48dc9e96065ca', NULL, true);
INSERT INTO public.findings VALUES (74, 2, NULL, 'share', 'support/tickets.log', '', 'line=6,col=89', 'PHONE_NUMBER', 0.75, '+**************8', 'd3c6c9e92badbe210da64972bc16142d170ec5c8b33e96ad9ff47a8386b8225c', NULL, true);
INSERT INTO public.findings VALUES (75, 2, NULL, 'second', 'employees.csv', '', 'line=2,col=36', 'US_SSN', 0.5, '***-**-1234', 'c232af13c656a8bab5624b9d86a4766cbe5d7545d893bbd4571de00ff168d992', NULL, true);
INSERT INTO public.findings VALUES (76, 2, NULL, 'second', 'employees.csv', '', 'line=2,col=48', 'EMAIL_ADDRESS', 1, 'j***@example.com', 'aac38c2ca29e13616df230042156d6a1fd7b26ce5e5bb9da2864b9645a2a81d4', NULL, true);
INSERT INTO public.findings VALUES (77, 2, NULL, 'second', 'employees.csv', '', 'line=3,col=45', 'US_SSN', 0.5, '***-**-7311', '01737032b4347aee2806beefae685a4cb3a500cd19779d65b9d909508616df40', NULL, true);
INSERT INTO public.findings VALUES (78, 2, NULL, 'second', 'employees.csv', '', 'line=3,col=57', 'EMAIL_ADDRESS', 1, 'm***@example.com', '240f0cd3c1b01dad3f6173df00c24787c7ff33bd98a79af6596713d173678742', NULL, true);
INSERT INTO public.findings VALUES (79, 2, NULL, 'second', 'employees.csv', '', 'line=4,col=37', 'US_SSN', 0.5, '***-**-4321', '1005578ad8a1eca3b18a2bf712692bc4ace2ab4d4c57ccecf8e7f3e45674c38c', NULL, true);
INSERT INTO public.findings VALUES (80, 2, NULL, 'second', 'employees.csv', '', 'line=4,col=49', 'EMAIL_ADDRESS', 1, 'p***@example.org', '683febe80fe43e4b2da93492c88bf429d04843dbba36b1fa2905b7d6d3209885', NULL, true);
INSERT INTO public.findings VALUES (81, 2, NULL, 'second', 'legacy-export-utf16.txt', '', 'line=3,col=41', 'US_SSN', 0.5, '***-**-7781', '30d21823c27badc45636c4c24140ac5cf98cb6a3b088f46134f33138303ba5b8', NULL, true);
INSERT INTO public.findings VALUES (82, 2, NULL, 'second', 'legacy-export-utf16.txt', '', 'line=4,col=40', 'US_SSN', 0.5, '***-**-6654', '2fcc4f7d34b93372f30ad0e91b71d219be0c62d516e27538ce275030344ee33c', NULL, true);
INSERT INTO public.findings VALUES (83, 2, 7, 'share', 'notes/change.txt', '', 'line=1,col=6', 'CREDIT_CARD', 1, '411111******1111', 'bbc7855a289823524052ef276cff0e70e938bb1fb5ac8057041b03339e493614', NULL, false);
INSERT INTO public.findings VALUES (84, 2, 7, 'share', 'notes/change.txt', '', 'line=2,col=10', 'CREDIT_CARD', 1, '555555******4444', '82ed4ca76f2bf4b97e7de2638df55fff225b9abacef736e9b9b2c98f3806fb71', NULL, false);
INSERT INTO public.findings VALUES (85, 2, 7, 'share', 'notes/new.txt', '', 'line=1,col=42', 'EMAIL_ADDRESS', 1, 'n***@example.org', 'e5d2aacf036aefccfd66d794a57714a0eb1130a85d05ad9462a63ddc3d972954', NULL, false);
INSERT INTO public.findings VALUES (86, 3, 9, 'share', 'servers.md', '', 'line=7,col=36', 'IP_ADDRESS', 0.6, '2**********0', 'c8ff84a9ec61496b90ac186aff320ddfbc71d791e5d99e8ac86837a999ffa395', NULL, false);
INSERT INTO public.findings VALUES (87, 3, 9, 'share', 'servers.md', '', 'line=8,col=36', 'IP_ADDRESS', 0.6, '1********5', '12453546b28a194dc76ca8ac8c065d60a8c5f63fedc7f8595aec79ab028204a8', NULL, false);
INSERT INTO public.findings VALUES (88, 3, 9, 'share', 'servers.md', '', 'line=9,col=36', 'IP_ADDRESS', 0.6, '1********4', '39301638f293e511959437eecd4f8afe117f2b39b764f6b41bedba12e6729e58', NULL, false);
INSERT INTO public.findings VALUES (89, 3, 9, 'share', 'servers.md', '', 'line=13,col=25', 'EMAIL_ADDRESS', 1, 'i***@example.com', 'a2edb0a288c4c034d57b7b05d1664699c3f9085305f337aae50fbed8cbda4974', NULL, false);
INSERT INTO public.findings VALUES (90, 3, 9, 'share', 'servers.md', '', 'line=14,col=61', 'PHONE_NUMBER', 0.75, '(************0', 'cc7443add5f0dbe006a545dcd95ebfe96a5827348b3487efd582ba44e9048e28', NULL, false);
INSERT INTO public.findings VALUES (91, 4, NULL, 'share', 'finance/cp1252-ledger.txt', '', 'line=4,col=39', 'CREDIT_CARD', 1, '510510******5100', 'd72d72052cd507faece0e649ea052d9c99c3d4cc31d6d372600c934df17b9919', NULL, true);
INSERT INTO public.findings VALUES (92, 4, NULL, 'share', 'finance/cp1252-ledger.txt', '', 'line=5,col=55', 'IBAN_CODE', 1, 'GB29**************6819', '7d9aa7fc55b7facb157d6c933d429c66237be8601795da1788f8281794c16703', NULL, true);
INSERT INTO public.findings VALUES (93, 4, NULL, 'share', 'finance/payments-2024.txt', '', 'line=6,col=84', 'CREDIT_CARD', 1, '411111******1111', 'bbc7855a289823524052ef276cff0e70e938bb1fb5ac8057041b03339e493614', NULL, true);
INSERT INTO public.findings VALUES (94, 4, NULL, 'share', 'finance/payments-2024.txt', '', 'line=7,col=71', 'CREDIT_CARD', 1, '555555******4444', '82ed4ca76f2bf4b97e7de2638df55fff225b9abacef736e9b9b2c98f3806fb71', NULL, true);
INSERT INTO public.findings VALUES (95, 4, NULL, 'share', 'finance/payments-2024.txt', '', 'line=8,col=55', 'CREDIT_CARD', 1, '378282*****0005', '52204de9ff06bba37f6fdd52155380cd4464edfd56e85f52447a30f2e21c7d12', NULL, true);
INSERT INTO public.findings VALUES (96, 4, NULL, 'share', 'finance/payments-2024.txt', '', 'line=9,col=85', 'CREDIT_CARD', 1, '401288******1881', '88397803f2ff36702f087dc8f91bf847013e9e3f0710e36eae56494b9deaf470', NULL, true);
INSERT INTO public.findings VALUES (97, 4, NULL, 'share', 'finance/payments-2024.txt', '', 'line=11,col=66', 'IBAN_CODE', 1, 'DE89**************3000', '40174749ae743e2c0076adf0697dc1b14d71a943ac02b006639561067e558df4', NULL, true);
INSERT INTO public.findings VALUES (98, 4, NULL, 'share', 'finance/vendors.json', '', 'line=5,col=102', 'IBAN_CODE', 1, 'DE44**************4931', '18e740749b8a0e819d1c3e6ad9e22be3f6fe4b6900171639bc7eb23aa2ca3cfa', NULL, true);
INSERT INTO public.findings VALUES (99, 4, NULL, 'share', 'finance/vendors.json', '', 'line=6,col=110', 'IBAN_CODE', 1, 'GB82**************5432', 'a1f67979d685d4b3464e08c2f5e6ae5179236802ce3002ade74ed150a3a88a27', NULL, true);
INSERT INTO public.findings VALUES (100, 4, NULL, 'share', 'finance/vendors.json', '', 'line=8,col=113', 'EMAIL_ADDRESS', 1, 'o***@example.com', 'b1b0c0e485643d7919dd099120fed4e134c0556cef038aac607033c68421ea87', NULL, true);
INSERT INTO public.findings VALUES (101, 4, NULL, 'share', 'hr/employees.csv', '', 'line=2,col=36', 'US_SSN', 0.5, '***-**-1234', 'c232af13c656a8bab5624b9d86a4766cbe5d7545d893bbd4571de00ff168d992', NULL, true);
INSERT INTO public.findings VALUES (102, 4, NULL, 'share', 'hr/employees.csv', '', 'line=2,col=48', 'EMAIL_ADDRESS', 1, 'j***@example.com', 'aac38c2ca29e13616df230042156d6a1fd7b26ce5e5bb9da2864b9645a2a81d4', NULL, true);
INSERT INTO public.findings VALUES (103, 4, NULL, 'share', 'hr/employees.csv', '', 'line=3,col=45', 'US_SSN', 0.5, '***-**-7311', '01737032b4347aee2806beefae685a4cb3a500cd19779d65b9d909508616df40', NULL, true);
INSERT INTO public.findings VALUES (104, 4, NULL, 'share', 'hr/employees.csv', '', 'line=3,col=57', 'EMAIL_ADDRESS', 1, 'm***@example.com', '240f0cd3c1b01dad3f6173df00c24787c7ff33bd98a79af6596713d173678742', NULL, true);
INSERT INTO public.findings VALUES (105, 4, NULL, 'share', 'hr/employees.csv', '', 'line=4,col=37', 'US_SSN', 0.5, '***-**-4321', '1005578ad8a1eca3b18a2bf712692bc4ace2ab4d4c57ccecf8e7f3e45674c38c', NULL, true);
INSERT INTO public.findings VALUES (106, 4, NULL, 'share', 'hr/employees.csv', '', 'line=4,col=49', 'EMAIL_ADDRESS', 1, 'p***@example.org', '683febe80fe43e4b2da93492c88bf429d04843dbba36b1fa2905b7d6d3209885', NULL, true);
INSERT INTO public.findings VALUES (107, 4, NULL, 'share', 'hr/legacy-export-utf16.txt', '', 'line=3,col=41', 'US_SSN', 0.5, '***-**-7781', '30d21823c27badc45636c4c24140ac5cf98cb6a3b088f46134f33138303ba5b8', NULL, true);
INSERT INTO public.findings VALUES (108, 4, NULL, 'share', 'hr/legacy-export-utf16.txt', '', 'line=4,col=40', 'US_SSN', 0.5, '***-**-6654', '2fcc4f7d34b93372f30ad0e91b71d219be0c62d516e27538ce275030344ee33c', NULL, true);
INSERT INTO public.findings VALUES (109, 4, NULL, 'share', 'it/servers.md', '', 'line=7,col=36', 'IP_ADDRESS', 0.6, '2**********0', 'c8ff84a9ec61496b90ac186aff320ddfbc71d791e5d99e8ac86837a999ffa395', NULL, true);
INSERT INTO public.findings VALUES (110, 4, NULL, 'share', 'it/servers.md', '', 'line=8,col=36', 'IP_ADDRESS', 0.6, '1********5', '12453546b28a194dc76ca8ac8c065d60a8c5f63fedc7f8595aec79ab028204a8', NULL, true);
INSERT INTO public.findings VALUES (111, 4, NULL, 'share', 'it/servers.md', '', 'line=9,col=36', 'IP_ADDRESS', 0.6, '1********4', '39301638f293e511959437eecd4f8afe117f2b39b764f6b41bedba12e6729e58', NULL, true);
INSERT INTO public.findings VALUES (112, 4, NULL, 'share', 'it/servers.md', '', 'line=13,col=25', 'EMAIL_ADDRESS', 1, 'i***@example.com', 'a2edb0a288c4c034d57b7b05d1664699c3f9085305f337aae50fbed8cbda4974', NULL, true);
INSERT INTO public.findings VALUES (113, 4, NULL, 'share', 'it/servers.md', '', 'line=14,col=61', 'PHONE_NUMBER', 0.75, '(************0', 'cc7443add5f0dbe006a545dcd95ebfe96a5827348b3487efd582ba44e9048e28', NULL, true);
INSERT INTO public.findings VALUES (114, 4, NULL, 'share', 'legal/contracts.xml', '', 'line=5,col=24', 'EMAIL_ADDRESS', 1, 'l***@example.org', 'aceb80a3037cd0383ac820a415e048abc43675dd5b2296737429275223b02945', NULL, true);
INSERT INTO public.findings VALUES (115, 4, NULL, 'share', 'legal/contracts.xml', '', 'line=6,col=40', 'IBAN_CODE', 1, 'GB29**************6819', '7d9aa7fc55b7facb157d6c933d429c66237be8601795da1788f8281794c16703', NULL, true);
INSERT INTO public.findings VALUES (116, 4, NULL, 'share', 'notes/change.txt', '', 'line=1,col=6', 'CREDIT_CARD', 1, '411111******1111', 'bbc7855a289823524052ef276cff0e70e938bb1fb5ac8057041b03339e493614', NULL, true);
INSERT INTO public.findings VALUES (117, 4, NULL, 'share', 'notes/change.txt', '', 'line=2,col=10', 'CREDIT_CARD', 1, '555555******4444', '82ed4ca76f2bf4b97e7de2638df55fff225b9abacef736e9b9b2c98f3806fb71', NULL, true);
INSERT INTO public.findings VALUES (118, 4, NULL, 'share', 'notes/meeting-notes.txt', '', 'line=4,col=67', 'US_SSN', 0.85, '***-**-4321', '8910a3cab29d6e93e1606617440b8dcf0b0d39a775c3488b7cfc2ea7b7f11db8', NULL, true);
INSERT INTO public.findings VALUES (119, 4, NULL, 'share', 'notes/meeting-notes.txt', '', 'line=6,col=28', 'IP_ADDRESS', 0.6, '1**********7', '81aa1c0dbd40ac688bce81a7528dc8c0ea2aeda45aa02506b692ec72a92c616f', NULL, true);
INSERT INTO public.findings VALUES (120, 4, NULL, 'share', 'notes/meeting-notes.txt', '', 'line=7,col=44', 'EMAIL_ADDRESS', 1, 'p***@example.org', '68f5a94e5246587fd235dd88f7a6987ae78376cfb4981919904eee67713f12bb', NULL, true);
INSERT INTO public.findings VALUES (121, 4, NULL, 'share', 'notes/new.txt', '', 'line=1,col=42', 'EMAIL_ADDRESS', 1, 'n***@example.org', 'e5d2aacf036aefccfd66d794a57714a0eb1130a85d05ad9462a63ddc3d972954', NULL, true);
INSERT INTO public.findings VALUES (122, 4, NULL, 'share', 'support/tickets.log', '', 'line=1,col=62', 'EMAIL_ADDRESS', 1, 'a***@example.com', 'd42adceb87e863bfb57bedbf98d8e7380aee79603390604ce6fc9db44df25bd6', NULL, true);
INSERT INTO public.findings VALUES (123, 4, NULL, 'share', 'support/tickets.log', '', 'line=2,col=81', 'IP_ADDRESS', 0.6, '1***********3', '1b6c47adbbaf25077160385cfbdc6d769660cd4069eedda9388cef67d575ca3b', NULL, true);
INSERT INTO public.findings VALUES (124, 4, NULL, 'share', 'support/tickets.log', '', 'line=3,col=92', 'PHONE_NUMBER', 0.75, '(************3', 'eae43212b1747fe7e4acaecb2453c836bf26404a6aa667e4e0a48dc9e96065ca', NULL, true);
INSERT INTO public.findings VALUES (125, 4, NULL, 'share', 'support/tickets.log', '', 'line=6,col=89', 'PHONE_NUMBER', 0.75, '+**************8', 'd3c6c9e92badbe210da64972bc16142d170ec5c8b33e96ad9ff47a8386b8225c', NULL, true);
INSERT INTO public.findings VALUES (126, 4, NULL, 'second', 'employees.csv', '', 'line=2,col=36', 'US_SSN', 0.5, '***-**-1234', 'c232af13c656a8bab5624b9d86a4766cbe5d7545d893bbd4571de00ff168d992', NULL, true);
INSERT INTO public.findings VALUES (127, 4, NULL, 'second', 'employees.csv', '', 'line=2,col=48', 'EMAIL_ADDRESS', 1, 'j***@example.com', 'aac38c2ca29e13616df230042156d6a1fd7b26ce5e5bb9da2864b9645a2a81d4', NULL, true);
INSERT INTO public.findings VALUES (128, 4, NULL, 'second', 'employees.csv', '', 'line=3,col=45', 'US_SSN', 0.5, '***-**-7311', '01737032b4347aee2806beefae685a4cb3a500cd19779d65b9d909508616df40', NULL, true);
INSERT INTO public.findings VALUES (129, 4, NULL, 'second', 'employees.csv', '', 'line=3,col=57', 'EMAIL_ADDRESS', 1, 'm***@example.com', '240f0cd3c1b01dad3f6173df00c24787c7ff33bd98a79af6596713d173678742', NULL, true);
INSERT INTO public.findings VALUES (130, 4, NULL, 'second', 'employees.csv', '', 'line=4,col=37', 'US_SSN', 0.5, '***-**-4321', '1005578ad8a1eca3b18a2bf712692bc4ace2ab4d4c57ccecf8e7f3e45674c38c', NULL, true);
INSERT INTO public.findings VALUES (131, 4, NULL, 'second', 'employees.csv', '', 'line=4,col=49', 'EMAIL_ADDRESS', 1, 'p***@example.org', '683febe80fe43e4b2da93492c88bf429d04843dbba36b1fa2905b7d6d3209885', NULL, true);
INSERT INTO public.findings VALUES (132, 4, NULL, 'second', 'legacy-export-utf16.txt', '', 'line=3,col=41', 'US_SSN', 0.5, '***-**-7781', '30d21823c27badc45636c4c24140ac5cf98cb6a3b088f46134f33138303ba5b8', NULL, true);
INSERT INTO public.findings VALUES (133, 4, NULL, 'second', 'legacy-export-utf16.txt', '', 'line=4,col=40', 'US_SSN', 0.5, '***-**-6654', '2fcc4f7d34b93372f30ad0e91b71d219be0c62d516e27538ce275030344ee33c', NULL, true);
INSERT INTO public.findings VALUES (134, 5, 15, 'share', 'finance/cp1252-ledger.txt', '', 'line=4,col=39', 'CREDIT_CARD', 1, '510510******5100', 'd72d72052cd507faece0e649ea052d9c99c3d4cc31d6d372600c934df17b9919', NULL, false);
INSERT INTO public.findings VALUES (135, 5, 15, 'share', 'finance/cp1252-ledger.txt', '', 'line=5,col=55', 'IBAN_CODE', 1, 'GB29**************6819', '7d9aa7fc55b7facb157d6c933d429c66237be8601795da1788f8281794c16703', NULL, false);
INSERT INTO public.findings VALUES (136, 5, 15, 'share', 'finance/payments-2024.txt', '', 'line=6,col=84', 'CREDIT_CARD', 1, '411111******1111', 'bbc7855a289823524052ef276cff0e70e938bb1fb5ac8057041b03339e493614', NULL, false);
INSERT INTO public.findings VALUES (137, 5, 15, 'share', 'finance/payments-2024.txt', '', 'line=7,col=71', 'CREDIT_CARD', 1, '555555******4444', '82ed4ca76f2bf4b97e7de2638df55fff225b9abacef736e9b9b2c98f3806fb71', NULL, false);
INSERT INTO public.findings VALUES (138, 5, 15, 'share', 'finance/payments-2024.txt', '', 'line=8,col=55', 'CREDIT_CARD', 1, '378282*****0005', '52204de9ff06bba37f6fdd52155380cd4464edfd56e85f52447a30f2e21c7d12', NULL, false);
INSERT INTO public.findings VALUES (139, 5, 15, 'share', 'finance/payments-2024.txt', '', 'line=9,col=85', 'CREDIT_CARD', 1, '401288******1881', '88397803f2ff36702f087dc8f91bf847013e9e3f0710e36eae56494b9deaf470', NULL, false);
INSERT INTO public.findings VALUES (140, 5, 15, 'share', 'finance/payments-2024.txt', '', 'line=11,col=66', 'IBAN_CODE', 1, 'DE89**************3000', '40174749ae743e2c0076adf0697dc1b14d71a943ac02b006639561067e558df4', NULL, false);
INSERT INTO public.findings VALUES (141, 5, 15, 'share', 'finance/vendors.json', '', 'line=5,col=102', 'IBAN_CODE', 1, 'DE44**************4931', '18e740749b8a0e819d1c3e6ad9e22be3f6fe4b6900171639bc7eb23aa2ca3cfa', NULL, false);
INSERT INTO public.findings VALUES (142, 5, 15, 'share', 'finance/vendors.json', '', 'line=6,col=110', 'IBAN_CODE', 1, 'GB82**************5432', 'a1f67979d685d4b3464e08c2f5e6ae5179236802ce3002ade74ed150a3a88a27', NULL, false);
INSERT INTO public.findings VALUES (143, 5, 15, 'share', 'finance/vendors.json', '', 'line=8,col=113', 'EMAIL_ADDRESS', 1, 'o***@example.com', 'b1b0c0e485643d7919dd099120fed4e134c0556cef038aac607033c68421ea87', NULL, false);
INSERT INTO public.findings VALUES (144, 5, 15, 'share', 'hr/employees.csv', '', 'line=2,col=36', 'US_SSN', 0.5, '***-**-1234', 'c232af13c656a8bab5624b9d86a4766cbe5d7545d893bbd4571de00ff168d992', NULL, false);
INSERT INTO public.findings VALUES (145, 5, 15, 'share', 'hr/employees.csv', '', 'line=2,col=48', 'EMAIL_ADDRESS', 1, 'j***@example.com', 'aac38c2ca29e13616df230042156d6a1fd7b26ce5e5bb9da2864b9645a2a81d4', NULL, false);
INSERT INTO public.findings VALUES (146, 5, 15, 'share', 'hr/employees.csv', '', 'line=3,col=45', 'US_SSN', 0.5, '***-**-7311', '01737032b4347aee2806beefae685a4cb3a500cd19779d65b9d909508616df40', NULL, false);
INSERT INTO public.findings VALUES (147, 5, 15, 'share', 'hr/employees.csv', '', 'line=3,col=57', 'EMAIL_ADDRESS', 1, 'm***@example.com', '240f0cd3c1b01dad3f6173df00c24787c7ff33bd98a79af6596713d173678742', NULL, false);
INSERT INTO public.findings VALUES (148, 5, 15, 'share', 'hr/employees.csv', '', 'line=4,col=37', 'US_SSN', 0.5, '***-**-4321', '1005578ad8a1eca3b18a2bf712692bc4ace2ab4d4c57ccecf8e7f3e45674c38c', NULL, false);
INSERT INTO public.findings VALUES (149, 5, 15, 'share', 'hr/employees.csv', '', 'line=4,col=49', 'EMAIL_ADDRESS', 1, 'p***@example.org', '683febe80fe43e4b2da93492c88bf429d04843dbba36b1fa2905b7d6d3209885', NULL, false);
INSERT INTO public.findings VALUES (150, 5, 15, 'share', 'hr/legacy-export-utf16.txt', '', 'line=3,col=41', 'US_SSN', 0.5, '***-**-7781', '30d21823c27badc45636c4c24140ac5cf98cb6a3b088f46134f33138303ba5b8', NULL, false);
INSERT INTO public.findings VALUES (151, 5, 15, 'share', 'hr/legacy-export-utf16.txt', '', 'line=4,col=40', 'US_SSN', 0.5, '***-**-6654', '2fcc4f7d34b93372f30ad0e91b71d219be0c62d516e27538ce275030344ee33c', NULL, false);
INSERT INTO public.findings VALUES (152, 5, 15, 'share', 'it/servers.md', '', 'line=7,col=36', 'IP_ADDRESS', 0.6, '2**********0', 'c8ff84a9ec61496b90ac186aff320ddfbc71d791e5d99e8ac86837a999ffa395', NULL, false);
INSERT INTO public.findings VALUES (153, 5, 15, 'share', 'it/servers.md', '', 'line=8,col=36', 'IP_ADDRESS', 0.6, '1********5', '12453546b28a194dc76ca8ac8c065d60a8c5f63fedc7f8595aec79ab028204a8', NULL, false);
INSERT INTO public.findings VALUES (154, 5, 15, 'share', 'it/servers.md', '', 'line=9,col=36', 'IP_ADDRESS', 0.6, '1********4', '39301638f293e511959437eecd4f8afe117f2b39b764f6b41bedba12e6729e58', NULL, false);
INSERT INTO public.findings VALUES (155, 5, 15, 'share', 'it/servers.md', '', 'line=13,col=25', 'EMAIL_ADDRESS', 1, 'i***@example.com', 'a2edb0a288c4c034d57b7b05d1664699c3f9085305f337aae50fbed8cbda4974', NULL, false);
INSERT INTO public.findings VALUES (156, 5, 15, 'share', 'it/servers.md', '', 'line=14,col=61', 'PHONE_NUMBER', 0.75, '(************0', 'cc7443add5f0dbe006a545dcd95ebfe96a5827348b3487efd582ba44e9048e28', NULL, false);
INSERT INTO public.findings VALUES (157, 5, 15, 'share', 'legal/contracts.xml', '', 'line=5,col=24', 'EMAIL_ADDRESS', 1, 'l***@example.org', 'aceb80a3037cd0383ac820a415e048abc43675dd5b2296737429275223b02945', NULL, false);
INSERT INTO public.findings VALUES (158, 5, 15, 'share', 'legal/contracts.xml', '', 'line=6,col=40', 'IBAN_CODE', 1, 'GB29**************6819', '7d9aa7fc55b7facb157d6c933d429c66237be8601795da1788f8281794c16703', NULL, false);
INSERT INTO public.findings VALUES (159, 5, 15, 'share', 'notes/change.txt', '', 'line=1,col=6', 'CREDIT_CARD', 1, '411111******1111', 'bbc7855a289823524052ef276cff0e70e938bb1fb5ac8057041b03339e493614', NULL, false);
INSERT INTO public.findings VALUES (160, 5, 15, 'share', 'notes/change.txt', '', 'line=2,col=10', 'CREDIT_CARD', 1, '555555******4444', '82ed4ca76f2bf4b97e7de2638df55fff225b9abacef736e9b9b2c98f3806fb71', NULL, false);
INSERT INTO public.findings VALUES (161, 5, 15, 'share', 'notes/meeting-notes.txt', '', 'line=4,col=67', 'US_SSN', 0.85, '***-**-4321', '8910a3cab29d6e93e1606617440b8dcf0b0d39a775c3488b7cfc2ea7b7f11db8', NULL, false);
INSERT INTO public.findings VALUES (162, 5, 15, 'share', 'notes/meeting-notes.txt', '', 'line=6,col=28', 'IP_ADDRESS', 0.6, '1**********7', '81aa1c0dbd40ac688bce81a7528dc8c0ea2aeda45aa02506b692ec72a92c616f', NULL, false);
INSERT INTO public.findings VALUES (163, 5, 15, 'share', 'notes/meeting-notes.txt', '', 'line=7,col=44', 'EMAIL_ADDRESS', 1, 'p***@example.org', '68f5a94e5246587fd235dd88f7a6987ae78376cfb4981919904eee67713f12bb', NULL, false);
INSERT INTO public.findings VALUES (164, 5, 15, 'share', 'notes/new.txt', '', 'line=1,col=42', 'EMAIL_ADDRESS', 1, 'n***@example.org', 'e5d2aacf036aefccfd66d794a57714a0eb1130a85d05ad9462a63ddc3d972954', NULL, false);
INSERT INTO public.findings VALUES (165, 5, 15, 'share', 'support/tickets.log', '', 'line=1,col=62', 'EMAIL_ADDRESS', 1, 'a***@example.com', 'd42adceb87e863bfb57bedbf98d8e7380aee79603390604ce6fc9db44df25bd6', NULL, false);
INSERT INTO public.findings VALUES (166, 5, 15, 'share', 'support/tickets.log', '', 'line=2,col=81', 'IP_ADDRESS', 0.6, '1***********3', '1b6c47adbbaf25077160385cfbdc6d769660cd4069eedda9388cef67d575ca3b', NULL, false);
INSERT INTO public.findings VALUES (167, 5, 15, 'share', 'support/tickets.log', '', 'line=3,col=92', 'PHONE_NUMBER', 0.75, '(************3', 'eae43212b1747fe7e4acaecb2453c836bf26404a6aa667e4e0a48dc9e96065ca', NULL, false);
INSERT INTO public.findings VALUES (168, 5, 15, 'share', 'support/tickets.log', '', 'line=6,col=89', 'PHONE_NUMBER', 0.75, '+**************8', 'd3c6c9e92badbe210da64972bc16142d170ec5c8b33e96ad9ff47a8386b8225c', NULL, false);
INSERT INTO public.findings VALUES (169, 5, 16, 'second', 'employees.csv', '', 'line=2,col=36', 'US_SSN', 0.5, '***-**-1234', 'c232af13c656a8bab5624b9d86a4766cbe5d7545d893bbd4571de00ff168d992', NULL, false);
INSERT INTO public.findings VALUES (170, 5, 16, 'second', 'employees.csv', '', 'line=2,col=48', 'EMAIL_ADDRESS', 1, 'j***@example.com', 'aac38c2ca29e13616df230042156d6a1fd7b26ce5e5bb9da2864b9645a2a81d4', NULL, false);
INSERT INTO public.findings VALUES (171, 5, 16, 'second', 'employees.csv', '', 'line=3,col=45', 'US_SSN', 0.5, '***-**-7311', '01737032b4347aee2806beefae685a4cb3a500cd19779d65b9d909508616df40', NULL, false);
INSERT INTO public.findings VALUES (172, 5, 16, 'second', 'employees.csv', '', 'line=3,col=57', 'EMAIL_ADDRESS', 1, 'm***@example.com', '240f0cd3c1b01dad3f6173df00c24787c7ff33bd98a79af6596713d173678742', NULL, false);
INSERT INTO public.findings VALUES (173, 5, 16, 'second', 'employees.csv', '', 'line=4,col=37', 'US_SSN', 0.5, '***-**-4321', '1005578ad8a1eca3b18a2bf712692bc4ace2ab4d4c57ccecf8e7f3e45674c38c', NULL, false);
INSERT INTO public.findings VALUES (174, 5, 16, 'second', 'employees.csv', '', 'line=4,col=49', 'EMAIL_ADDRESS', 1, 'p***@example.org', '683febe80fe43e4b2da93492c88bf429d04843dbba36b1fa2905b7d6d3209885', NULL, false);
INSERT INTO public.findings VALUES (175, 5, 16, 'second', 'legacy-export-utf16.txt', '', 'line=3,col=41', 'US_SSN', 0.5, '***-**-7781', '30d21823c27badc45636c4c24140ac5cf98cb6a3b088f46134f33138303ba5b8', NULL, false);
INSERT INTO public.findings VALUES (176, 5, 16, 'second', 'legacy-export-utf16.txt', '', 'line=4,col=40', 'US_SSN', 0.5, '***-**-6654', '2fcc4f7d34b93372f30ad0e91b71d219be0c62d516e27538ce275030344ee33c', NULL, false);


--
-- Data for Name: jobs; Type: TABLE DATA; Schema: public; Owner: -
--

INSERT INTO public.jobs VALUES (1, 'nightly', 'COMPLETED', 'name: nightly
datasources:
  - id: share
    type: filesystem
    path: corpus
    max_file_mb: 1
  - id: second
    type: filesystem
    path: corpus/hr
classification:
  template: pii
  min_score: 0.5
', '/tmp/v4data/job.yaml', '{"full": false, "store_raw": false, "runtime": {"max_attempts": 3, "lease_seconds": 120, "batch_mb": 8, "batch_objects": 64}}', NULL, 1796124450.1412785, 1796124454.596101, NULL, 'b88b267cc09cb3b153fcbb6215a8f14cd10c196d5ecf215e73679923c7448a96');
INSERT INTO public.jobs VALUES (2, 'nightly', 'COMPLETED', 'name: nightly
datasources:
  - id: share
    type: filesystem
    path: corpus
    max_file_mb: 1
  - id: second
    type: filesystem
    path: corpus/hr
classification:
  template: pii
  min_score: 0.5
', '/tmp/v4data/job.yaml', '{"full": false, "store_raw": false, "runtime": {"max_attempts": 3, "lease_seconds": 120, "batch_mb": 8, "batch_objects": 64}}', 1, 1796124457.968195, 1796124461.9762235, NULL, 'b88b267cc09cb3b153fcbb6215a8f14cd10c196d5ecf215e73679923c7448a96');
INSERT INTO public.jobs VALUES (3, 'other', 'COMPLETED', 'name: other
datasources:
  - id: share
    type: filesystem
    path: corpus/it
', '/tmp/v4data/other.yaml', '{"full": false, "store_raw": false, "runtime": {"max_attempts": 3, "lease_seconds": 120, "batch_mb": 8, "batch_objects": 64}}', NULL, 1796124465.063303, 1796124467.9438097, NULL, 'b88b267cc09cb3b153fcbb6215a8f14cd10c196d5ecf215e73679923c7448a96');
INSERT INTO public.jobs VALUES (4, 'nightly', 'COMPLETED', 'name: nightly
datasources:
  - id: share
    type: filesystem
    path: corpus
    max_file_mb: 1
  - id: second
    type: filesystem
    path: corpus/hr
classification:
  template: pii
  min_score: 0.5
', '/tmp/v4data/job.yaml', '{"full": false, "store_raw": false, "runtime": {"max_attempts": 3, "lease_seconds": 120, "batch_mb": 8, "batch_objects": 64}}', 2, 1796124470.8238792, 1796124474.463204, NULL, 'b88b267cc09cb3b153fcbb6215a8f14cd10c196d5ecf215e73679923c7448a96');
INSERT INTO public.jobs VALUES (5, 'nightly', 'COMPLETED', 'name: nightly
datasources:
  - id: share
    type: filesystem
    path: corpus
    max_file_mb: 1
  - id: second
    type: filesystem
    path: corpus/hr
classification:
  template: pii
  min_score: 0.5
', '/tmp/v4data/job.yaml', '{"full": true, "store_raw": false, "runtime": {"max_attempts": 3, "lease_seconds": 120, "batch_mb": 8, "batch_objects": 64}}', NULL, 1796124476.9634717, 1796124480.0292592, NULL, 'b88b267cc09cb3b153fcbb6215a8f14cd10c196d5ecf215e73679923c7448a96');
INSERT INTO public.jobs VALUES (6, 'nightly', 'INTERRUPTED', 'name: nightly
datasources:
  - id: share
    type: filesystem
    path: corpus
    max_file_mb: 1
  - id: second
    type: filesystem
    path: corpus/hr
classification:
  template: pii
  min_score: 0.5
', '/tmp/v4data/job.yaml', '{"full": false, "store_raw": false, "runtime": {"max_attempts": 3, "lease_seconds": 120, "batch_mb": 8, "batch_objects": 64}}', 5, 1796124483.7100487, NULL, NULL, 'b88b267cc09cb3b153fcbb6215a8f14cd10c196d5ecf215e73679923c7448a96');


--
-- Data for Name: objects; Type: TABLE DATA; Schema: public; Owner: -
--

INSERT INTO public.objects VALUES (1, 1, 'share', 'big/huge.bin', 2097152, 1796124366.0074067, NULL, NULL, 'SKIPPED', 'larger than max_file_mb (2.0 MB > 1 MB)', NULL, 0, 0);
INSERT INTO public.objects VALUES (2, 1, 'share', 'notes/link.txt', 0, 0, NULL, NULL, 'SKIPPED', 'symbolic link, not followed (follow_symlinks: false)', NULL, 0, 0);
INSERT INTO public.objects VALUES (3, 1, 'share', 'finance/cp1252-ledger.txt', 528, 1796124365.85069, '7fe27a7ba06cdce5c7d57bac878f8be6fe8bc00726f2a73dcf3c6c9459ea6157', NULL, 'DONE', NULL, 3, 2, 1);
INSERT INTO public.objects VALUES (4, 1, 'share', 'finance/payments-2024.txt', 1066, 1796124365.8508801, '77fec2e9ec8cb5e88302eb4e5cf6f70e1fa93e9542ed20ff846b72d053c1d230', NULL, 'DONE', NULL, 3, 5, 1);
INSERT INTO public.objects VALUES (5, 1, 'share', 'finance/vendors.json', 687, 1796124365.8510492, '5b47e0a09d75ebd992394d82ef35ef5927f30a4b329f2b3ba055d14d644794b3', NULL, 'DONE', NULL, 3, 3, 1);
INSERT INTO public.objects VALUES (6, 1, 'share', 'hr/employees.csv', 400, 1796124365.8519819, 'd68bdaa65b460d46bf14a71eb93f70c134297044310dcb42dba51d211adab52c', NULL, 'DONE', NULL, 3, 6, 1);
INSERT INTO public.objects VALUES (7, 1, 'share', 'hr/legacy-export-utf16.txt', 662, 1796124365.8521614, '7f2e498f649bf1f32def8b3afb9ca27c82639bfe3d9f4cf724b0195124e76382', NULL, 'DONE', NULL, 3, 2, 1);
INSERT INTO public.objects VALUES (8, 1, 'share', 'it/servers.md', 712, 1796124365.85321, '18d2c158e9bbc534d38a83b55e8aaf4c5193cd386670147508ef2da368e7ec2e', NULL, 'DONE', NULL, 3, 5, 1);
INSERT INTO public.objects VALUES (9, 1, 'share', 'legal/contracts.xml', 686, 1796124365.853699, '4a53a16d884af73039ed197b912e0f714ee8d359084aa4863e668aaa6144fb11', NULL, 'DONE', NULL, 3, 2, 1);
INSERT INTO public.objects VALUES (10, 1, 'share', 'marketing/newsletter.html', 626, 1796124365.8541524, '2c853fa20323903966e954ba8a110a709db9a52719382a32d2196bcea0d70073', NULL, 'SKIPPED', 'extraction subprocess failed to start (exit code 1)', 3, 0, 1);
INSERT INTO public.objects VALUES (11, 1, 'share', 'notes/change.txt', 33, 1796124366.013054, 'c0f6478c0255259b5d206b95313676f29c539e324d1794794136f5da71c46c16', NULL, 'DONE', NULL, 3, 1, 1);
INSERT INTO public.objects VALUES (12, 1, 'share', 'notes/clean.txt', 507, 1796124365.8547502, '8f0598fd54b96c1de0d8d49afebe567c41845a92372a864d3d80e881b80be87e', NULL, 'DONE', NULL, 3, 0, 1);
INSERT INTO public.objects VALUES (13, 1, 'share', 'notes/gone.txt', 45, 1796124366.0128658, '07bb6a451747dfab6e7bb8f456ce632691c472dbb23026c36375a493521209ca', NULL, 'DONE', NULL, 3, 1, 1);
INSERT INTO public.objects VALUES (14, 1, 'share', 'notes/meeting-notes.txt', 530, 1796124365.8551521, '0a145f2d5c56c18a75f66b5c680f35dc6059ec4eafa04dc88cebd3f215be82cb', NULL, 'DONE', NULL, 3, 3, 1);
INSERT INTO public.objects VALUES (15, 1, 'share', 'support/tickets.log', 956, 1796124365.855742, 'be997766ff5e87b002469a1940d659669d69db4ceea6f978232bceca8ccdea89', NULL, 'DONE', NULL, 3, 4, 1);
INSERT INTO public.objects VALUES (16, 1, 'second', 'employees.csv', 400, 1796124365.8519819, 'd68bdaa65b460d46bf14a71eb93f70c134297044310dcb42dba51d211adab52c', NULL, 'DONE', NULL, 4, 6, 1);
INSERT INTO public.objects VALUES (17, 1, 'second', 'legacy-export-utf16.txt', 662, 1796124365.8521614, '7f2e498f649bf1f32def8b3afb9ca27c82639bfe3d9f4cf724b0195124e76382', NULL, 'DONE', NULL, 4, 2, 1);
INSERT INTO public.objects VALUES (18, 2, 'share', 'big/huge.bin', 2097152, 1796124366.0074067, NULL, NULL, 'SKIPPED', 'larger than max_file_mb (2.0 MB > 1 MB)', NULL, 0, 0);
INSERT INTO public.objects VALUES (19, 2, 'share', 'finance/cp1252-ledger.txt', 528, 1796124365.85069, '7fe27a7ba06cdce5c7d57bac878f8be6fe8bc00726f2a73dcf3c6c9459ea6157', NULL, 'UNCHANGED', NULL, NULL, 2, 0);
INSERT INTO public.objects VALUES (20, 2, 'share', 'finance/payments-2024.txt', 1066, 1796124365.8508801, '77fec2e9ec8cb5e88302eb4e5cf6f70e1fa93e9542ed20ff846b72d053c1d230', NULL, 'UNCHANGED', NULL, NULL, 5, 0);
INSERT INTO public.objects VALUES (21, 2, 'share', 'finance/vendors.json', 687, 1796124365.8510492, '5b47e0a09d75ebd992394d82ef35ef5927f30a4b329f2b3ba055d14d644794b3', NULL, 'UNCHANGED', NULL, NULL, 3, 0);
INSERT INTO public.objects VALUES (22, 2, 'share', 'hr/employees.csv', 400, 1796124365.8519819, 'd68bdaa65b460d46bf14a71eb93f70c134297044310dcb42dba51d211adab52c', NULL, 'UNCHANGED', NULL, NULL, 6, 0);
INSERT INTO public.objects VALUES (23, 2, 'share', 'hr/legacy-export-utf16.txt', 662, 1796124365.8521614, '7f2e498f649bf1f32def8b3afb9ca27c82639bfe3d9f4cf724b0195124e76382', NULL, 'UNCHANGED', NULL, NULL, 2, 0);
INSERT INTO public.objects VALUES (24, 2, 'share', 'it/servers.md', 712, 1796124365.85321, '18d2c158e9bbc534d38a83b55e8aaf4c5193cd386670147508ef2da368e7ec2e', NULL, 'UNCHANGED', NULL, NULL, 5, 0);
INSERT INTO public.objects VALUES (25, 2, 'share', 'legal/contracts.xml', 686, 1796124365.853699, '4a53a16d884af73039ed197b912e0f714ee8d359084aa4863e668aaa6144fb11', NULL, 'UNCHANGED', NULL, NULL, 2, 0);
INSERT INTO public.objects VALUES (26, 2, 'share', 'notes/clean.txt', 507, 1796124365.8547502, '8f0598fd54b96c1de0d8d49afebe567c41845a92372a864d3d80e881b80be87e', NULL, 'UNCHANGED', NULL, NULL, 0, 0);
INSERT INTO public.objects VALUES (27, 2, 'share', 'notes/link.txt', 0, 0, NULL, NULL, 'SKIPPED', 'symbolic link, not followed (follow_symlinks: false)', NULL, 0, 0);
INSERT INTO public.objects VALUES (28, 2, 'share', 'notes/meeting-notes.txt', 530, 1796124365.8551521, '0a145f2d5c56c18a75f66b5c680f35dc6059ec4eafa04dc88cebd3f215be82cb', NULL, 'UNCHANGED', NULL, NULL, 3, 0);
INSERT INTO public.objects VALUES (29, 2, 'share', 'support/tickets.log', 956, 1796124365.855742, 'be997766ff5e87b002469a1940d659669d69db4ceea6f978232bceca8ccdea89', NULL, 'UNCHANGED', NULL, NULL, 4, 0);
INSERT INTO public.objects VALUES (33, 2, 'second', 'employees.csv', 400, 1796124365.8519819, 'd68bdaa65b460d46bf14a71eb93f70c134297044310dcb42dba51d211adab52c', NULL, 'UNCHANGED', NULL, NULL, 6, 0);
INSERT INTO public.objects VALUES (34, 2, 'second', 'legacy-export-utf16.txt', 662, 1796124365.8521614, '7f2e498f649bf1f32def8b3afb9ca27c82639bfe3d9f4cf724b0195124e76382', NULL, 'UNCHANGED', NULL, NULL, 2, 0);
INSERT INTO public.objects VALUES (30, 2, 'share', 'marketing/newsletter.html', 626, 1796124365.8541524, '2c853fa20323903966e954ba8a110a709db9a52719382a32d2196bcea0d70073', NULL, 'SKIPPED', 'extraction subprocess failed to start (exit code 1)', 7, 0, 1);
INSERT INTO public.objects VALUES (31, 2, 'share', 'notes/change.txt', 67, 1796124456.8831215, '16ea0522c16c2525daa6c725fbf789468f48161ae8be89ae860f9723d35bddec', NULL, 'DONE', NULL, 7, 2, 1);
INSERT INTO public.objects VALUES (32, 2, 'share', 'notes/new.txt', 61, 1796124456.8831215, '36f3205a7dd96499a5bc5c2d13a7547f6294f1b044dc589e09430247eac4a213', NULL, 'DONE', NULL, 7, 1, 1);
INSERT INTO public.objects VALUES (35, 3, 'share', 'servers.md', 712, 1796124365.85321, '18d2c158e9bbc534d38a83b55e8aaf4c5193cd386670147508ef2da368e7ec2e', NULL, 'DONE', NULL, 9, 5, 1);
INSERT INTO public.objects VALUES (36, 4, 'share', 'big/huge.bin', 2097152, 1796124366.0074067, NULL, NULL, 'SKIPPED', 'larger than max_file_mb (2.0 MB > 1 MB)', NULL, 0, 0);
INSERT INTO public.objects VALUES (37, 4, 'share', 'finance/cp1252-ledger.txt', 528, 1796124365.85069, '7fe27a7ba06cdce5c7d57bac878f8be6fe8bc00726f2a73dcf3c6c9459ea6157', NULL, 'UNCHANGED', NULL, NULL, 2, 0);
INSERT INTO public.objects VALUES (38, 4, 'share', 'finance/payments-2024.txt', 1066, 1796124365.8508801, '77fec2e9ec8cb5e88302eb4e5cf6f70e1fa93e9542ed20ff846b72d053c1d230', NULL, 'UNCHANGED', NULL, NULL, 5, 0);
INSERT INTO public.objects VALUES (39, 4, 'share', 'finance/vendors.json', 687, 1796124365.8510492, '5b47e0a09d75ebd992394d82ef35ef5927f30a4b329f2b3ba055d14d644794b3', NULL, 'UNCHANGED', NULL, NULL, 3, 0);
INSERT INTO public.objects VALUES (40, 4, 'share', 'hr/employees.csv', 400, 1796124365.8519819, 'd68bdaa65b460d46bf14a71eb93f70c134297044310dcb42dba51d211adab52c', NULL, 'UNCHANGED', NULL, NULL, 6, 0);
INSERT INTO public.objects VALUES (41, 4, 'share', 'hr/legacy-export-utf16.txt', 662, 1796124365.8521614, '7f2e498f649bf1f32def8b3afb9ca27c82639bfe3d9f4cf724b0195124e76382', NULL, 'UNCHANGED', NULL, NULL, 2, 0);
INSERT INTO public.objects VALUES (42, 4, 'share', 'it/servers.md', 712, 1796124365.85321, '18d2c158e9bbc534d38a83b55e8aaf4c5193cd386670147508ef2da368e7ec2e', NULL, 'UNCHANGED', NULL, NULL, 5, 0);
INSERT INTO public.objects VALUES (43, 4, 'share', 'legal/contracts.xml', 686, 1796124365.853699, '4a53a16d884af73039ed197b912e0f714ee8d359084aa4863e668aaa6144fb11', NULL, 'UNCHANGED', NULL, NULL, 2, 0);
INSERT INTO public.objects VALUES (44, 4, 'share', 'notes/change.txt', 67, 1796124456.8831215, '16ea0522c16c2525daa6c725fbf789468f48161ae8be89ae860f9723d35bddec', NULL, 'UNCHANGED', NULL, NULL, 2, 0);
INSERT INTO public.objects VALUES (45, 4, 'share', 'notes/clean.txt', 507, 1796124365.8547502, '8f0598fd54b96c1de0d8d49afebe567c41845a92372a864d3d80e881b80be87e', NULL, 'UNCHANGED', NULL, NULL, 0, 0);
INSERT INTO public.objects VALUES (46, 4, 'share', 'notes/link.txt', 0, 0, NULL, NULL, 'SKIPPED', 'symbolic link, not followed (follow_symlinks: false)', NULL, 0, 0);
INSERT INTO public.objects VALUES (47, 4, 'share', 'notes/meeting-notes.txt', 530, 1796124365.8551521, '0a145f2d5c56c18a75f66b5c680f35dc6059ec4eafa04dc88cebd3f215be82cb', NULL, 'UNCHANGED', NULL, NULL, 3, 0);
INSERT INTO public.objects VALUES (48, 4, 'share', 'notes/new.txt', 61, 1796124456.8831215, '36f3205a7dd96499a5bc5c2d13a7547f6294f1b044dc589e09430247eac4a213', NULL, 'UNCHANGED', NULL, NULL, 1, 0);
INSERT INTO public.objects VALUES (49, 4, 'share', 'support/tickets.log', 956, 1796124365.855742, 'be997766ff5e87b002469a1940d659669d69db4ceea6f978232bceca8ccdea89', NULL, 'UNCHANGED', NULL, NULL, 4, 0);
INSERT INTO public.objects VALUES (51, 4, 'second', 'employees.csv', 400, 1796124365.8519819, 'd68bdaa65b460d46bf14a71eb93f70c134297044310dcb42dba51d211adab52c', NULL, 'UNCHANGED', NULL, NULL, 6, 0);
INSERT INTO public.objects VALUES (52, 4, 'second', 'legacy-export-utf16.txt', 662, 1796124365.8521614, '7f2e498f649bf1f32def8b3afb9ca27c82639bfe3d9f4cf724b0195124e76382', NULL, 'UNCHANGED', NULL, NULL, 2, 0);
INSERT INTO public.objects VALUES (50, 4, 'share', 'marketing/newsletter.html', 626, 1796124365.8541524, '2c853fa20323903966e954ba8a110a709db9a52719382a32d2196bcea0d70073', NULL, 'SKIPPED', 'extraction subprocess failed to start (exit code 1)', 12, 0, 1);
INSERT INTO public.objects VALUES (53, 5, 'share', 'big/huge.bin', 2097152, 1796124366.0074067, NULL, NULL, 'SKIPPED', 'larger than max_file_mb (2.0 MB > 1 MB)', NULL, 0, 0);
INSERT INTO public.objects VALUES (54, 5, 'share', 'notes/link.txt', 0, 0, NULL, NULL, 'SKIPPED', 'symbolic link, not followed (follow_symlinks: false)', NULL, 0, 0);
INSERT INTO public.objects VALUES (55, 5, 'share', 'finance/cp1252-ledger.txt', 528, 1796124365.85069, '7fe27a7ba06cdce5c7d57bac878f8be6fe8bc00726f2a73dcf3c6c9459ea6157', NULL, 'DONE', NULL, 15, 2, 1);
INSERT INTO public.objects VALUES (56, 5, 'share', 'finance/payments-2024.txt', 1066, 1796124365.8508801, '77fec2e9ec8cb5e88302eb4e5cf6f70e1fa93e9542ed20ff846b72d053c1d230', NULL, 'DONE', NULL, 15, 5, 1);
INSERT INTO public.objects VALUES (57, 5, 'share', 'finance/vendors.json', 687, 1796124365.8510492, '5b47e0a09d75ebd992394d82ef35ef5927f30a4b329f2b3ba055d14d644794b3', NULL, 'DONE', NULL, 15, 3, 1);
INSERT INTO public.objects VALUES (58, 5, 'share', 'hr/employees.csv', 400, 1796124365.8519819, 'd68bdaa65b460d46bf14a71eb93f70c134297044310dcb42dba51d211adab52c', NULL, 'DONE', NULL, 15, 6, 1);
INSERT INTO public.objects VALUES (59, 5, 'share', 'hr/legacy-export-utf16.txt', 662, 1796124365.8521614, '7f2e498f649bf1f32def8b3afb9ca27c82639bfe3d9f4cf724b0195124e76382', NULL, 'DONE', NULL, 15, 2, 1);
INSERT INTO public.objects VALUES (60, 5, 'share', 'it/servers.md', 712, 1796124365.85321, '18d2c158e9bbc534d38a83b55e8aaf4c5193cd386670147508ef2da368e7ec2e', NULL, 'DONE', NULL, 15, 5, 1);
INSERT INTO public.objects VALUES (61, 5, 'share', 'legal/contracts.xml', 686, 1796124365.853699, '4a53a16d884af73039ed197b912e0f714ee8d359084aa4863e668aaa6144fb11', NULL, 'DONE', NULL, 15, 2, 1);
INSERT INTO public.objects VALUES (62, 5, 'share', 'marketing/newsletter.html', 626, 1796124365.8541524, '2c853fa20323903966e954ba8a110a709db9a52719382a32d2196bcea0d70073', NULL, 'SKIPPED', 'extraction subprocess failed to start (exit code 1)', 15, 0, 1);
INSERT INTO public.objects VALUES (63, 5, 'share', 'notes/change.txt', 67, 1796124456.8831215, '16ea0522c16c2525daa6c725fbf789468f48161ae8be89ae860f9723d35bddec', NULL, 'DONE', NULL, 15, 2, 1);
INSERT INTO public.objects VALUES (64, 5, 'share', 'notes/clean.txt', 507, 1796124365.8547502, '8f0598fd54b96c1de0d8d49afebe567c41845a92372a864d3d80e881b80be87e', NULL, 'DONE', NULL, 15, 0, 1);
INSERT INTO public.objects VALUES (65, 5, 'share', 'notes/meeting-notes.txt', 530, 1796124365.8551521, '0a145f2d5c56c18a75f66b5c680f35dc6059ec4eafa04dc88cebd3f215be82cb', NULL, 'DONE', NULL, 15, 3, 1);
INSERT INTO public.objects VALUES (66, 5, 'share', 'notes/new.txt', 61, 1796124456.8831215, '36f3205a7dd96499a5bc5c2d13a7547f6294f1b044dc589e09430247eac4a213', NULL, 'DONE', NULL, 15, 1, 1);
INSERT INTO public.objects VALUES (67, 5, 'share', 'support/tickets.log', 956, 1796124365.855742, 'be997766ff5e87b002469a1940d659669d69db4ceea6f978232bceca8ccdea89', NULL, 'DONE', NULL, 15, 4, 1);
INSERT INTO public.objects VALUES (68, 5, 'second', 'employees.csv', 400, 1796124365.8519819, 'd68bdaa65b460d46bf14a71eb93f70c134297044310dcb42dba51d211adab52c', NULL, 'DONE', NULL, 16, 6, 1);
INSERT INTO public.objects VALUES (69, 5, 'second', 'legacy-export-utf16.txt', 662, 1796124365.8521614, '7f2e498f649bf1f32def8b3afb9ca27c82639bfe3d9f4cf724b0195124e76382', NULL, 'DONE', NULL, 16, 2, 1);


--
-- Data for Name: output_records; Type: TABLE DATA; Schema: public; Owner: -
--

INSERT INTO public.output_records VALUES (1, 1, 1, 'share', '[{"path": "big/huge.bin", "size": 2097152, "mtime": 1796124366.0074067, "skip_reason": "larger than max_file_mb (2.0 MB > 1 MB)", "marker": null}, {"path": "finance/cp1252-ledger.txt", "size": 528, "mtime": 1796124365.85069, "skip_reason": null, "marker": null}, {"path": "finance/payments-2024.txt", "size": 1066, "mtime": 1796124365.8508801, "skip_reason": null, "marker": null}, {"path": "finance/vendors.json", "size": 687, "mtime": 1796124365.8510492, "skip_reason": null, "marker": null}, {"path": "hr/employees.csv", "size": 400, "mtime": 1796124365.8519819, "skip_reason": null, "marker": null}, {"path": "hr/legacy-export-utf16.txt", "size": 662, "mtime": 1796124365.8521614, "skip_reason": null, "marker": null}, {"path": "it/servers.md", "size": 712, "mtime": 1796124365.85321, "skip_reason": null, "marker": null}, {"path": "legal/contracts.xml", "size": 686, "mtime": 1796124365.853699, "skip_reason": null, "marker": null}, {"path": "marketing/newsletter.html", "size": 626, "mtime": 1796124365.8541524, "skip_reason": null, "marker": null}, {"path": "notes/change.txt", "size": 33, "mtime": 1796124366.013054, "skip_reason": null, "marker": null}, {"path": "notes/clean.txt", "size": 507, "mtime": 1796124365.8547502, "skip_reason": null, "marker": null}, {"path": "notes/gone.txt", "size": 45, "mtime": 1796124366.0128658, "skip_reason": null, "marker": null}, {"path": "notes/link.txt", "size": 0, "mtime": 0.0, "skip_reason": "symbolic link, not followed (follow_symlinks: false)", "marker": null}, {"path": "notes/meeting-notes.txt", "size": 530, "mtime": 1796124365.8551521, "skip_reason": null, "marker": null}, {"path": "support/tickets.log", "size": 956, "mtime": 1796124365.855742, "skip_reason": null, "marker": null}]', true);
INSERT INTO public.output_records VALUES (2, 1, 2, 'second', '[{"path": "employees.csv", "size": 400, "mtime": 1796124365.8519819, "skip_reason": null, "marker": null}, {"path": "legacy-export-utf16.txt", "size": 662, "mtime": 1796124365.8521614, "skip_reason": null, "marker": null}]', true);
INSERT INTO public.output_records VALUES (3, 2, 5, 'share', '[{"path": "big/huge.bin", "size": 2097152, "mtime": 1796124366.0074067, "skip_reason": "larger than max_file_mb (2.0 MB > 1 MB)", "marker": null}, {"path": "finance/cp1252-ledger.txt", "size": 528, "mtime": 1796124365.85069, "skip_reason": null, "marker": null}, {"path": "finance/payments-2024.txt", "size": 1066, "mtime": 1796124365.8508801, "skip_reason": null, "marker": null}, {"path": "finance/vendors.json", "size": 687, "mtime": 1796124365.8510492, "skip_reason": null, "marker": null}, {"path": "hr/employees.csv", "size": 400, "mtime": 1796124365.8519819, "skip_reason": null, "marker": null}, {"path": "hr/legacy-export-utf16.txt", "size": 662, "mtime": 1796124365.8521614, "skip_reason": null, "marker": null}, {"path": "it/servers.md", "size": 712, "mtime": 1796124365.85321, "skip_reason": null, "marker": null}, {"path": "legal/contracts.xml", "size": 686, "mtime": 1796124365.853699, "skip_reason": null, "marker": null}, {"path": "marketing/newsletter.html", "size": 626, "mtime": 1796124365.8541524, "skip_reason": null, "marker": null}, {"path": "notes/change.txt", "size": 67, "mtime": 1796124456.8831215, "skip_reason": null, "marker": null}, {"path": "notes/clean.txt", "size": 507, "mtime": 1796124365.8547502, "skip_reason": null, "marker": null}, {"path": "notes/link.txt", "size": 0, "mtime": 0.0, "skip_reason": "symbolic link, not followed (follow_symlinks: false)", "marker": null}, {"path": "notes/meeting-notes.txt", "size": 530, "mtime": 1796124365.8551521, "skip_reason": null, "marker": null}, {"path": "notes/new.txt", "size": 61, "mtime": 1796124456.8831215, "skip_reason": null, "marker": null}, {"path": "support/tickets.log", "size": 956, "mtime": 1796124365.855742, "skip_reason": null, "marker": null}]', true);
INSERT INTO public.output_records VALUES (4, 2, 6, 'second', '[{"path": "employees.csv", "size": 400, "mtime": 1796124365.8519819, "skip_reason": null, "marker": null}, {"path": "legacy-export-utf16.txt", "size": 662, "mtime": 1796124365.8521614, "skip_reason": null, "marker": null}]', true);
INSERT INTO public.output_records VALUES (5, 3, 8, 'share', '[{"path": "servers.md", "size": 712, "mtime": 1796124365.85321, "skip_reason": null, "marker": null}]', true);
INSERT INTO public.output_records VALUES (6, 4, 10, 'share', '[{"path": "big/huge.bin", "size": 2097152, "mtime": 1796124366.0074067, "skip_reason": "larger than max_file_mb (2.0 MB > 1 MB)", "marker": null}, {"path": "finance/cp1252-ledger.txt", "size": 528, "mtime": 1796124365.85069, "skip_reason": null, "marker": null}, {"path": "finance/payments-2024.txt", "size": 1066, "mtime": 1796124365.8508801, "skip_reason": null, "marker": null}, {"path": "finance/vendors.json", "size": 687, "mtime": 1796124365.8510492, "skip_reason": null, "marker": null}, {"path": "hr/employees.csv", "size": 400, "mtime": 1796124365.8519819, "skip_reason": null, "marker": null}, {"path": "hr/legacy-export-utf16.txt", "size": 662, "mtime": 1796124365.8521614, "skip_reason": null, "marker": null}, {"path": "it/servers.md", "size": 712, "mtime": 1796124365.85321, "skip_reason": null, "marker": null}, {"path": "legal/contracts.xml", "size": 686, "mtime": 1796124365.853699, "skip_reason": null, "marker": null}, {"path": "marketing/newsletter.html", "size": 626, "mtime": 1796124365.8541524, "skip_reason": null, "marker": null}, {"path": "notes/change.txt", "size": 67, "mtime": 1796124456.8831215, "skip_reason": null, "marker": null}, {"path": "notes/clean.txt", "size": 507, "mtime": 1796124365.8547502, "skip_reason": null, "marker": null}, {"path": "notes/link.txt", "size": 0, "mtime": 0.0, "skip_reason": "symbolic link, not followed (follow_symlinks: false)", "marker": null}, {"path": "notes/meeting-notes.txt", "size": 530, "mtime": 1796124365.8551521, "skip_reason": null, "marker": null}, {"path": "notes/new.txt", "size": 61, "mtime": 1796124456.8831215, "skip_reason": null, "marker": null}, {"path": "support/tickets.log", "size": 956, "mtime": 1796124365.855742, "skip_reason": null, "marker": null}]', true);
INSERT INTO public.output_records VALUES (7, 4, 11, 'second', '[{"path": "employees.csv", "size": 400, "mtime": 1796124365.8519819, "skip_reason": null, "marker": null}, {"path": "legacy-export-utf16.txt", "size": 662, "mtime": 1796124365.8521614, "skip_reason": null, "marker": null}]', true);
INSERT INTO public.output_records VALUES (8, 5, 13, 'share', '[{"path": "big/huge.bin", "size": 2097152, "mtime": 1796124366.0074067, "skip_reason": "larger than max_file_mb (2.0 MB > 1 MB)", "marker": null}, {"path": "finance/cp1252-ledger.txt", "size": 528, "mtime": 1796124365.85069, "skip_reason": null, "marker": null}, {"path": "finance/payments-2024.txt", "size": 1066, "mtime": 1796124365.8508801, "skip_reason": null, "marker": null}, {"path": "finance/vendors.json", "size": 687, "mtime": 1796124365.8510492, "skip_reason": null, "marker": null}, {"path": "hr/employees.csv", "size": 400, "mtime": 1796124365.8519819, "skip_reason": null, "marker": null}, {"path": "hr/legacy-export-utf16.txt", "size": 662, "mtime": 1796124365.8521614, "skip_reason": null, "marker": null}, {"path": "it/servers.md", "size": 712, "mtime": 1796124365.85321, "skip_reason": null, "marker": null}, {"path": "legal/contracts.xml", "size": 686, "mtime": 1796124365.853699, "skip_reason": null, "marker": null}, {"path": "marketing/newsletter.html", "size": 626, "mtime": 1796124365.8541524, "skip_reason": null, "marker": null}, {"path": "notes/change.txt", "size": 67, "mtime": 1796124456.8831215, "skip_reason": null, "marker": null}, {"path": "notes/clean.txt", "size": 507, "mtime": 1796124365.8547502, "skip_reason": null, "marker": null}, {"path": "notes/link.txt", "size": 0, "mtime": 0.0, "skip_reason": "symbolic link, not followed (follow_symlinks: false)", "marker": null}, {"path": "notes/meeting-notes.txt", "size": 530, "mtime": 1796124365.8551521, "skip_reason": null, "marker": null}, {"path": "notes/new.txt", "size": 61, "mtime": 1796124456.8831215, "skip_reason": null, "marker": null}, {"path": "support/tickets.log", "size": 956, "mtime": 1796124365.855742, "skip_reason": null, "marker": null}]', true);
INSERT INTO public.output_records VALUES (9, 5, 14, 'second', '[{"path": "employees.csv", "size": 400, "mtime": 1796124365.8519819, "skip_reason": null, "marker": null}, {"path": "legacy-export-utf16.txt", "size": 662, "mtime": 1796124365.8521614, "skip_reason": null, "marker": null}]', true);


--
-- Data for Name: schema_meta; Type: TABLE DATA; Schema: public; Owner: -
--

INSERT INTO public.schema_meta VALUES ('schema_version', '4');
INSERT INTO public.schema_meta VALUES ('hmac_key_fingerprint', 'b88b267cc09cb3b153fcbb6215a8f14cd10c196d5ecf215e73679923c7448a96');


--
-- Data for Name: suppressions; Type: TABLE DATA; Schema: public; Owner: -
--



--
-- Data for Name: tasks; Type: TABLE DATA; Schema: public; Owner: -
--

INSERT INTO public.tasks VALUES (1, 1, 'DISCOVERY', 'COMPLETED', 'share', 1, 3, NULL, NULL, 1, 0, NULL, 1796124450.1412785, 1796124453.418557);
INSERT INTO public.tasks VALUES (2, 1, 'DISCOVERY', 'COMPLETED', 'second', 1, 3, NULL, NULL, 1, 0, NULL, 1796124450.1412785, 1796124453.4255764);
INSERT INTO public.tasks VALUES (3, 1, 'CLASSIFICATION', 'COMPLETED', 'share', 1, 3, NULL, NULL, 1, 7438, NULL, 1796124453.6144123, 1796124454.3340309);
INSERT INTO public.tasks VALUES (4, 1, 'CLASSIFICATION', 'COMPLETED', 'second', 1, 3, NULL, NULL, 1, 1062, NULL, 1796124453.6144123, 1796124454.3434262);
INSERT INTO public.tasks VALUES (5, 2, 'DISCOVERY', 'COMPLETED', 'share', 1, 3, NULL, NULL, 1, 0, NULL, 1796124457.968195, 1796124460.89226);
INSERT INTO public.tasks VALUES (6, 2, 'DISCOVERY', 'COMPLETED', 'second', 1, 3, NULL, NULL, 1, 0, NULL, 1796124457.968195, 1796124460.909705);
INSERT INTO public.tasks VALUES (7, 2, 'CLASSIFICATION', 'COMPLETED', 'share', 1, 3, NULL, NULL, 1, 754, NULL, 1796124461.075367, 1796124461.840474);
INSERT INTO public.tasks VALUES (8, 3, 'DISCOVERY', 'COMPLETED', 'share', 1, 3, NULL, NULL, 1, 0, NULL, 1796124465.063303, 1796124467.6638083);
INSERT INTO public.tasks VALUES (9, 3, 'CLASSIFICATION', 'COMPLETED', 'share', 1, 3, NULL, NULL, 1, 712, NULL, 1796124467.7682872, 1796124467.8487139);
INSERT INTO public.tasks VALUES (10, 4, 'DISCOVERY', 'COMPLETED', 'share', 1, 3, NULL, NULL, 1, 0, NULL, 1796124470.8238792, 1796124473.528392);
INSERT INTO public.tasks VALUES (11, 4, 'DISCOVERY', 'COMPLETED', 'second', 1, 3, NULL, NULL, 1, 0, NULL, 1796124470.8238792, 1796124473.5371177);
INSERT INTO public.tasks VALUES (12, 4, 'CLASSIFICATION', 'COMPLETED', 'share', 1, 3, NULL, NULL, 1, 626, NULL, 1796124473.7437756, 1796124474.194143);
INSERT INTO public.tasks VALUES (13, 5, 'DISCOVERY', 'COMPLETED', 'share', 1, 3, NULL, NULL, 1, 0, NULL, 1796124476.9634717, 1796124479.2111552);
INSERT INTO public.tasks VALUES (14, 5, 'DISCOVERY', 'COMPLETED', 'second', 1, 3, NULL, NULL, 1, 0, NULL, 1796124476.9634717, 1796124479.231178);
INSERT INTO public.tasks VALUES (15, 5, 'CLASSIFICATION', 'COMPLETED', 'share', 1, 3, NULL, NULL, 1, 7488, NULL, 1796124479.3229237, 1796124479.9125195);
INSERT INTO public.tasks VALUES (16, 5, 'CLASSIFICATION', 'COMPLETED', 'second', 1, 3, NULL, NULL, 1, 1062, NULL, 1796124479.3229237, 1796124479.9272013);
INSERT INTO public.tasks VALUES (17, 6, 'DISCOVERY', 'PENDING', 'share', 0, 3, NULL, NULL, 0, 0, NULL, 1796124483.7100487, 1796124483.7100487);
INSERT INTO public.tasks VALUES (18, 6, 'DISCOVERY', 'PENDING', 'second', 0, 3, NULL, NULL, 0, 0, NULL, 1796124483.7100487, 1796124483.7100487);


--
-- Name: findings_id_seq; Type: SEQUENCE SET; Schema: public; Owner: -
--

SELECT pg_catalog.setval('public.findings_id_seq', 176, true);


--
-- Name: jobs_id_seq; Type: SEQUENCE SET; Schema: public; Owner: -
--

SELECT pg_catalog.setval('public.jobs_id_seq', 6, true);


--
-- Name: objects_id_seq; Type: SEQUENCE SET; Schema: public; Owner: -
--

SELECT pg_catalog.setval('public.objects_id_seq', 69, true);


--
-- Name: output_records_id_seq; Type: SEQUENCE SET; Schema: public; Owner: -
--

SELECT pg_catalog.setval('public.output_records_id_seq', 9, true);


--
-- Name: suppressions_id_seq; Type: SEQUENCE SET; Schema: public; Owner: -
--

SELECT pg_catalog.setval('public.suppressions_id_seq', 1, false);


--
-- Name: tasks_id_seq; Type: SEQUENCE SET; Schema: public; Owner: -
--

SELECT pg_catalog.setval('public.tasks_id_seq', 18, true);


--
-- Name: findings findings_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.findings
    ADD CONSTRAINT findings_pkey PRIMARY KEY (id);


--
-- Name: jobs jobs_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.jobs
    ADD CONSTRAINT jobs_pkey PRIMARY KEY (id);


--
-- Name: objects objects_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.objects
    ADD CONSTRAINT objects_pkey PRIMARY KEY (id);


--
-- Name: output_records output_records_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.output_records
    ADD CONSTRAINT output_records_pkey PRIMARY KEY (id);


--
-- Name: schema_meta schema_meta_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.schema_meta
    ADD CONSTRAINT schema_meta_pkey PRIMARY KEY (key);


--
-- Name: suppressions suppressions_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.suppressions
    ADD CONSTRAINT suppressions_pkey PRIMARY KEY (id);


--
-- Name: tasks tasks_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.tasks
    ADD CONSTRAINT tasks_pkey PRIMARY KEY (id);


--
-- Name: findings uq_findings_identity; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.findings
    ADD CONSTRAINT uq_findings_identity UNIQUE (job_id, datasource_id, object_path, member, location, entity, value_hash);


--
-- Name: objects uq_objects_job_ds_path; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.objects
    ADD CONSTRAINT uq_objects_job_ds_path UNIQUE (job_id, datasource_id, path);


--
-- Name: ix_findings_job_object; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX ix_findings_job_object ON public.findings USING btree (job_id, datasource_id, object_path);


--
-- Name: ix_jobs_name; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX ix_jobs_name ON public.jobs USING btree (name);


--
-- Name: ix_jobs_status; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX ix_jobs_status ON public.jobs USING btree (status);


--
-- Name: ix_objects_task; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX ix_objects_task ON public.objects USING btree (task_id, status);


--
-- Name: ix_output_pending; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX ix_output_pending ON public.output_records USING btree (job_id, processed);


--
-- Name: ix_tasks_job_status; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX ix_tasks_job_status ON public.tasks USING btree (job_id, status);


--
-- Name: ix_tasks_lease; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX ix_tasks_lease ON public.tasks USING btree (status, lease_expires_at);


--
-- Name: findings findings_job_id_fkey; Type: FK CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.findings
    ADD CONSTRAINT findings_job_id_fkey FOREIGN KEY (job_id) REFERENCES public.jobs(id) ON DELETE CASCADE;


--
-- Name: objects objects_job_id_fkey; Type: FK CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.objects
    ADD CONSTRAINT objects_job_id_fkey FOREIGN KEY (job_id) REFERENCES public.jobs(id) ON DELETE CASCADE;


--
-- Name: output_records output_records_job_id_fkey; Type: FK CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.output_records
    ADD CONSTRAINT output_records_job_id_fkey FOREIGN KEY (job_id) REFERENCES public.jobs(id) ON DELETE CASCADE;


--
-- Name: tasks tasks_job_id_fkey; Type: FK CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.tasks
    ADD CONSTRAINT tasks_job_id_fkey FOREIGN KEY (job_id) REFERENCES public.jobs(id) ON DELETE CASCADE;


--
-- PostgreSQL database dump complete
--


