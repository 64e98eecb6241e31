BEGIN TRANSACTION;
CREATE TABLE findings (
	id INTEGER NOT NULL, 
	job_id INTEGER NOT NULL, 
	task_id INTEGER, 
	datasource_id VARCHAR(64) NOT NULL, 
	object_path TEXT NOT NULL, 
	member TEXT NOT NULL, 
	location VARCHAR(256) NOT NULL, 
	entity VARCHAR(64) NOT NULL, 
	score DOUBLE NOT NULL, 
	masked VARCHAR(256) NOT NULL, 
	value_hash VARCHAR(64) NOT NULL, 
	value TEXT, 
	carried BOOLEAN NOT NULL, 
	PRIMARY KEY (id), 
	CONSTRAINT uq_findings_identity UNIQUE (job_id, datasource_id, object_path, member, location, entity, value_hash), 
	FOREIGN KEY(job_id) REFERENCES jobs (id) ON DELETE CASCADE
);
INSERT INTO "findings" VALUES(1,1,2,'demo-corpus','finance/cp1252-ledger.txt','','line=4,col=39','CREDIT_CARD',1.0,'510510******5100','f43a859516d3b08f12e195ff5333549c2c3aab9db20c50ec731e335443cc4ce1',NULL,0);
INSERT INTO "findings" VALUES(2,1,2,'demo-corpus','finance/cp1252-ledger.txt','','line=5,col=55','IBAN_CODE',1.0,'GB29**************6819','c40c4d89908cac8440694c490cb364eda63d8c1dfb5fa021761934fe8c6385f8',NULL,0);
INSERT INTO "findings" VALUES(3,1,2,'demo-corpus','finance/payments-2024.txt','','line=6,col=84','CREDIT_CARD',1.0,'411111******1111','c4ba382962d5ad72a35c5d00ebadc67a87ea902d5ab0b346135a074b3f26798f',NULL,0);
INSERT INTO "findings" VALUES(4,1,2,'demo-corpus','finance/payments-2024.txt','','line=7,col=71','CREDIT_CARD',1.0,'555555******4444','7247805b945299ecec83948e3b80ccc455b13397e118179af129677872e69a16',NULL,0);
INSERT INTO "findings" VALUES(5,1,2,'demo-corpus','finance/payments-2024.txt','','line=8,col=55','CREDIT_CARD',1.0,'378282*****0005','e5b86d78138e5a13bea4dc56e75fb89b72732c601b55d67c67cf441ae7ffe61a',NULL,0);
INSERT INTO "findings" VALUES(6,1,2,'demo-corpus','finance/payments-2024.txt','','line=9,col=85','CREDIT_CARD',1.0,'401288******1881','549165988c4f239aab1ae59e8e9f4709d03e33abf2873e786047b0096db1b839',NULL,0);
INSERT INTO "findings" VALUES(7,1,2,'demo-corpus','finance/payments-2024.txt','','line=11,col=66','IBAN_CODE',1.0,'DE89**************3000','3a6d84e2c75e1a13f716d37a528df7181e9a152e12b1a9aaf464a92957cefe9d',NULL,0);
INSERT INTO "findings" VALUES(8,1,2,'demo-corpus','finance/vendors.json','','line=5,col=102','IBAN_CODE',1.0,'DE44**************4931','f0b6a6dacd15e2ef85f6df3d566ccd38cff3a85cb652e41e1211f9dad7eea16d',NULL,0);
INSERT INTO "findings" VALUES(9,1,2,'demo-corpus','finance/vendors.json','','line=6,col=110','IBAN_CODE',1.0,'GB82**************5432','1d8423ad3d1e73ab21dbe3115738bd376ce5ce97edb6079041fe706e52bb5216',NULL,0);
INSERT INTO "findings" VALUES(10,1,2,'demo-corpus','finance/vendors.json','','line=8,col=113','EMAIL_ADDRESS',1.0,'o***@example.com','4a42f178f41058c2fae68e7d759656026a119c2455155a745b84adc855bf330d',NULL,0);
INSERT INTO "findings" VALUES(11,1,2,'demo-corpus','hr/employees.csv','','line=2,col=36','US_SSN',0.5,'***-**-1234','dac9b996f4f8c031b3cfb9a0c331caac978ec9ecf4d1f12eb67629c1aaf1ab9f',NULL,0);
INSERT INTO "findings" VALUES(12,1,2,'demo-corpus','hr/employees.csv','','line=2,col=48','EMAIL_ADDRESS',1.0,'j***@example.com','b063a8a587e808ca1f06bcc4df3118780f9ce62150feb6d305010e45108d13a6',NULL,0);
INSERT INTO "findings" VALUES(13,1,2,'demo-corpus','hr/employees.csv','','line=3,col=45','US_SSN',0.5,'***-**-7311','3b4a0ea0194c8dfa26826feff3cb12bff529f4c0353a77fce92ed3120eeac2ee',NULL,0);
INSERT INTO "findings" VALUES(14,1,2,'demo-corpus','hr/employees.csv','','line=3,col=57','EMAIL_ADDRESS',1.0,'m***@example.com','915bb0cc86473050ad62900bc4dd7b633dcac958f4e2f05a246605afd05c18f2',NULL,0);
INSERT INTO "findings" VALUES(15,1,2,'demo-corpus','hr/employees.csv','','line=4,col=37','US_SSN',0.5,'***-**-4321','01e5866bb0c5900f96383bb0203521efc48ad62f708803e6bf1af7d230637533',NULL,0);
INSERT INTO "findings" VALUES(16,1,2,'demo-corpus','hr/employees.csv','','line=4,col=49','EMAIL_ADDRESS',1.0,'p***@example.org','195f7617d4509ce4a7aaf5d9f12c8c20ebfde6a4514339db456b5337a8e14005',NULL,0);
INSERT INTO "findings" VALUES(17,1,2,'demo-corpus','hr/legacy-export-utf16.txt','','line=3,col=41','US_SSN',0.5,'***-**-7781','eb063ab882ec50637d24f38c6e480e6044f43f34c88279f76fba477cce111e47',NULL,0);
INSERT INTO "findings" VALUES(18,1,2,'demo-corpus','hr/legacy-export-utf16.txt','','line=4,col=40','US_SSN',0.5,'***-**-6654','0f2023b011a55dfc84d30dfae2faf58ec2633efe6436096414d62803fd740ade',NULL,0);
INSERT INTO "findings" VALUES(19,1,2,'demo-corpus','it/servers.md','','line=7,col=36','IP_ADDRESS',0.6,'2**********0','8d2647759f7e3906e875dd4874d22ddac66eec072d8fd25ce8a7bc529096ea5d',NULL,0);
INSERT INTO "findings" VALUES(20,1,2,'demo-corpus','it/servers.md','','line=8,col=36','IP_ADDRESS',0.6,'1********5','0b8d114eb57486d36b475568d251c042e5eaabfc962761bb00e3029dc47f8b52',NULL,0);
INSERT INTO "findings" VALUES(21,1,2,'demo-corpus','it/servers.md','','line=9,col=36','IP_ADDRESS',0.6,'1********4','4287c016040b6632261fab24b266712bda2ee0cfc20f7c81810eab37a849f7cf',NULL,0);
INSERT INTO "findings" VALUES(22,1,2,'demo-corpus','it/servers.md','','line=13,col=25','EMAIL_ADDRESS',1.0,'i***@example.com','999d8aa0492b9ddaa69be69780b281c32a7086e8bfcb799cdd651bf2e95513fc',NULL,0);
INSERT INTO "findings" VALUES(23,1,2,'demo-corpus','it/servers.md','','line=14,col=61','PHONE_NUMBER',0.75,'(************0','43f0c36f603c4980f9d53ea648b2f086af9cb46552d4919ada3822216b9fb67c',NULL,0);
INSERT INTO "findings" VALUES(24,1,2,'demo-corpus','legal/contracts.xml','','line=5,col=24','EMAIL_ADDRESS',1.0,'l***@example.org','7b9d188f2ad6826b8c5e3d69ca870169078b78ac7a42876a61ec76bcfab872ec',NULL,0);
INSERT INTO "findings" VALUES(25,1,2,'demo-corpus','legal/contracts.xml','','line=6,col=40','IBAN_CODE',1.0,'GB29**************6819','c40c4d89908cac8440694c490cb364eda63d8c1dfb5fa021761934fe8c6385f8',NULL,0);
INSERT INTO "findings" VALUES(26,1,2,'demo-corpus','marketing/newsletter.html','','line=8,col=38','EMAIL_ADDRESS',1.0,'s***@example.com','5e713ad32a15137723487ac0a6dbdf7366ac66da557a6c71659c92c1d0a5c78d',NULL,0);
INSERT INTO "findings" VALUES(27,1,2,'demo-corpus','marketing/newsletter.html','','line=9,col=45','PHONE_NUMBER',0.75,'+**************1','3075190febb10d3085bf09a72340cb41eafbd3d251767e460c3cd6cb27e4056b',NULL,0);
INSERT INTO "findings" VALUES(28,1,2,'demo-corpus','notes/meeting-notes.txt','','line=4,col=67','US_SSN',0.85,'***-**-4321','adfceb4fa62fe636d5220d934851d82485835720cc2f69cc27ba49c9ab36fb1e',NULL,0);
INSERT INTO "findings" VALUES(29,1,2,'demo-corpus','notes/meeting-notes.txt','','line=6,col=28','IP_ADDRESS',0.6,'1**********7','55e8ec067db9fb3ab319c6189077033c7cd08c870bf8c1a17447aeb2f52e983f',NULL,0);
INSERT INTO "findings" VALUES(30,1,2,'demo-corpus','notes/meeting-notes.txt','','line=7,col=44','EMAIL_ADDRESS',1.0,'p***@example.org','aa36cf6506664ce277c9082ad9c9743bd1bfbbe5768c6838dfb2e95b83381f7f',NULL,0);
INSERT INTO "findings" VALUES(31,1,2,'demo-corpus','support/tickets.log','','line=1,col=62','EMAIL_ADDRESS',1.0,'a***@example.com','31f0bec7ac2702080ba2197e4cfa4ae2f2d10d7bad5a7d9d321a583f61173301',NULL,0);
INSERT INTO "findings" VALUES(32,1,2,'demo-corpus','support/tickets.log','','line=2,col=81','IP_ADDRESS',0.6,'1***********3','05563a2e941bbfe31865b4f0bfe4666d7250f69687f9b56f6033be786e9a9be0',NULL,0);
INSERT INTO "findings" VALUES(33,1,2,'demo-corpus','support/tickets.log','','line=3,col=92','PHONE_NUMBER',0.75,'(************3','f65503be5bd0def18dc680a5a1bce0b58f68a913ba4b1e124246a851a448885b',NULL,0);
INSERT INTO "findings" VALUES(34,1,2,'demo-corpus','support/tickets.log','','line=6,col=89','PHONE_NUMBER',0.75,'+**************8','9e58a811d2264e44e5c3701c355dd6e430ebb87850db39fa239d722c245b2bb4',NULL,0);
CREATE TABLE jobs (
	id INTEGER NOT NULL, 
	name VARCHAR(64) NOT NULL, 
	status VARCHAR(16) NOT NULL, 
	source_text TEXT NOT NULL, 
	source_path TEXT NOT NULL, 
	options TEXT NOT NULL, 
	previous_job_id INTEGER, 
	created_at DOUBLE NOT NULL, 
	finished_at DOUBLE, 
	error TEXT, 
	PRIMARY KEY (id)
);
INSERT INTO "jobs" VALUES(1,'demo','COMPLETED','# The demo job: scans the hand-made corpus next to this file (ground truth in corpus.manifest.json).
name: demo
datasources:
  - id: demo-corpus
    type: filesystem
    path: corpus            # relative to this file
classification:
  template: pii
  min_score: 0.5
','/work/main/examples/demo.yaml','{"full": false, "store_raw": false}',NULL,1.79592353847050213806e+09,1.79592354055231428144e+09,NULL);
CREATE TABLE objects (
	id INTEGER NOT NULL, 
	job_id INTEGER NOT NULL, 
	datasource_id VARCHAR(64) NOT NULL, 
	path TEXT NOT NULL, 
	size INTEGER NOT NULL, 
	mtime DOUBLE NOT NULL, 
	content_hash VARCHAR(64), 
	status VARCHAR(16) NOT NULL, 
	reason TEXT, 
	task_id INTEGER, 
	findings INTEGER NOT NULL, 
	reads INTEGER NOT NULL, 
	PRIMARY KEY (id), 
	CONSTRAINT uq_objects_job_ds_path UNIQUE (job_id, datasource_id, path), 
	FOREIGN KEY(job_id) REFERENCES jobs (id) ON DELETE CASCADE
);
INSERT INTO "objects" VALUES(1,1,'demo-corpus','finance/cp1252-ledger.txt',528,1.79592214539746880532e+09,'7fe27a7ba06cdce5c7d57bac878f8be6fe8bc00726f2a73dcf3c6c9459ea6157','DONE',NULL,2,2,1);
INSERT INTO "objects" VALUES(2,1,'demo-corpus','finance/payments-2024.txt',1066,1.79592214539765071871e+09,'77fec2e9ec8cb5e88302eb4e5cf6f70e1fa93e9542ed20ff846b72d053c1d230','DONE',NULL,2,5,1);
INSERT INTO "objects" VALUES(3,1,'demo-corpus','finance/vendors.json',687,1.79592214539765071871e+09,'5b47e0a09d75ebd992394d82ef35ef5927f30a4b329f2b3ba055d14d644794b3','DONE',NULL,2,3,1);
INSERT INTO "objects" VALUES(4,1,'demo-corpus','hr/employees.csv',400,1.79592214539765071871e+09,'d68bdaa65b460d46bf14a71eb93f70c134297044310dcb42dba51d211adab52c','DONE',NULL,2,6,1);
INSERT INTO "objects" VALUES(5,1,'demo-corpus','hr/legacy-export-utf16.txt',662,1.79592214539785552029e+09,'7f2e498f649bf1f32def8b3afb9ca27c82639bfe3d9f4cf724b0195124e76382','DONE',NULL,2,2,1);
INSERT INTO "objects" VALUES(6,1,'demo-corpus','it/servers.md',712,1.79592214539785552029e+09,'18d2c158e9bbc534d38a83b55e8aaf4c5193cd386670147508ef2da368e7ec2e','DONE',NULL,2,5,1);
INSERT INTO "objects" VALUES(7,1,'demo-corpus','legal/contracts.xml',686,1.79592214539785552029e+09,'4a53a16d884af73039ed197b912e0f714ee8d359084aa4863e668aaa6144fb11','DONE',NULL,2,2,1);
INSERT INTO "objects" VALUES(8,1,'demo-corpus','marketing/newsletter.html',626,1.79592214539785552029e+09,'2c853fa20323903966e954ba8a110a709db9a52719382a32d2196bcea0d70073','DONE',NULL,2,2,1);
INSERT INTO "objects" VALUES(9,1,'demo-corpus','notes/clean.txt',507,1.79592214539785552029e+09,'8f0598fd54b96c1de0d8d49afebe567c41845a92372a864d3d80e881b80be87e','DONE',NULL,2,0,1);
INSERT INTO "objects" VALUES(10,1,'demo-corpus','notes/meeting-notes.txt',530,1.79592214539834237095e+09,'0a145f2d5c56c18a75f66b5c680f35dc6059ec4eafa04dc88cebd3f215be82cb','DONE',NULL,2,3,1);
INSERT INTO "objects" VALUES(11,1,'demo-corpus','support/tickets.log',956,1.79592214539834237095e+09,'be997766ff5e87b002469a1940d659669d69db4ceea6f978232bceca8ccdea89','DONE',NULL,2,4,1);
CREATE TABLE output_records (
	id INTEGER NOT NULL, 
	job_id INTEGER NOT NULL, 
	task_id INTEGER NOT NULL, 
	datasource_id VARCHAR(64) NOT NULL, 
	payload TEXT NOT NULL, 
	processed BOOLEAN NOT NULL, 
	PRIMARY KEY (id), 
	FOREIGN KEY(job_id) REFERENCES jobs (id) ON DELETE CASCADE
);
INSERT INTO "output_records" VALUES(1,1,1,'demo-corpus','[{"path": "finance/cp1252-ledger.txt", "size": 528, "mtime": 1795922145.3974688, "skip_reason": null}, {"path": "finance/payments-2024.txt", "size": 1066, "mtime": 1795922145.3976507, "skip_reason": null}, {"path": "finance/vendors.json", "size": 687, "mtime": 1795922145.3976507, "skip_reason": null}, {"path": "hr/employees.csv", "size": 400, "mtime": 1795922145.3976507, "skip_reason": null}, {"path": "hr/legacy-export-utf16.txt", "size": 662, "mtime": 1795922145.3978555, "skip_reason": null}, {"path": "it/servers.md", "size": 712, "mtime": 1795922145.3978555, "skip_reason": null}, {"path": "legal/contracts.xml", "size": 686, "mtime": 1795922145.3978555, "skip_reason": null}, {"path": "marketing/newsletter.html", "size": 626, "mtime": 1795922145.3978555, "skip_reason": null}, {"path": "notes/clean.txt", "size": 507, "mtime": 1795922145.3978555, "skip_reason": null}, {"path": "notes/meeting-notes.txt", "size": 530, "mtime": 1795922145.3983424, "skip_reason": null}, {"path": "support/tickets.log", "size": 956, "mtime": 1795922145.3983424, "skip_reason": null}]',1);
CREATE TABLE schema_meta (
	"key" VARCHAR(64) NOT NULL, 
	value VARCHAR(256) NOT NULL, 
	PRIMARY KEY ("key")
);
INSERT INTO "schema_meta" VALUES('schema_version','1');
CREATE TABLE tasks (
	id INTEGER NOT NULL, 
	job_id INTEGER NOT NULL, 
	type VARCHAR(16) NOT NULL, 
	status VARCHAR(16) NOT NULL, 
	datasource_id VARCHAR(64) NOT NULL, 
	attempts INTEGER NOT NULL, 
	max_attempts INTEGER NOT NULL, 
	lease_owner VARCHAR(128), 
	lease_expires_at DOUBLE, 
	fence INTEGER NOT NULL, 
	bytes INTEGER NOT NULL, 
	error TEXT, 
	created_at DOUBLE NOT NULL, 
	updated_at DOUBLE NOT NULL, 
	PRIMARY KEY (id), 
	FOREIGN KEY(job_id) REFERENCES jobs (id) ON DELETE CASCADE
);
INSERT INTO "tasks" VALUES(1,1,'DISCOVERY','COMPLETED','demo-corpus',1,3,NULL,NULL,1,0,NULL,1.79592353847050213806e+09,1.79592354012157320972e+09);
INSERT INTO "tasks" VALUES(2,1,'CLASSIFICATION','COMPLETED','demo-corpus',1,3,NULL,NULL,1,7360,NULL,1.79592354028105473514e+09,1.79592354053067135809e+09);
CREATE INDEX ix_jobs_name ON jobs (name);
CREATE INDEX ix_jobs_status ON jobs (status);
CREATE INDEX ix_tasks_job_status ON tasks (job_id, status);
CREATE INDEX ix_tasks_lease ON tasks (status, lease_expires_at);
CREATE INDEX ix_output_pending ON output_records (job_id, processed);
CREATE INDEX ix_objects_task ON objects (task_id, status);
CREATE INDEX ix_findings_job_object ON findings (job_id, datasource_id, object_path);
COMMIT;