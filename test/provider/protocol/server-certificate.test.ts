/**
 * The provider's certificate for go-plugin's automatic mTLS (server-certificate.ts, from the template of
 * certificate-template.ts), read back with node:crypto's X509Certificate and with asn1js: the fields Terraform's
 * client checks, a fresh key and serial per certificate, a signature that verifies; the bundled provider's (built
 * template) and the sources' (template built at first use) are alike. Real Terraform accepting it is tested by
 * serve-provider.test.ts and the provider engine's end-to-end suites.
 */
import * as asn1js from "asn1js";
import { spawn } from "node:child_process";
import { createPrivateKey, X509Certificate } from "node:crypto";
import * as path from "node:path";
import { buildCertificateTemplate, utcTime } from "../../../lib/provider/protocol/certificate-template";
import { MAGIC_COOKIE_KEY, MAGIC_COOKIE_VALUE } from "../../../lib/provider/protocol/serve-provider";
import { createServerCertificate } from "../../../lib/provider/protocol/server-certificate";

const BUNDLED_PROVIDER = path.resolve(__dirname, "../../../dist/provider/bluegreen-provider.cjs");

/** What Terraform's client looks at, and what differs between two certificates only by key, serial and time. */
function shape(der: Buffer) {
  const x = new X509Certificate(der);
  return {
    subject: x.subject,
    issuer: x.issuer,
    subjectAltName: x.subjectAltName,
    ca: x.ca,
    extendedKeyUsage: x.keyUsage,
    validForMs: Date.parse(x.validTo) - Date.parse(x.validFrom),
    keyType: x.publicKey.asymmetricKeyType,
    curve: x.publicKey.asymmetricKeyDetails?.namedCurve,
    selfSigned: x.verify(x.publicKey),
  };
}

/** The extensions by OID: whether critical, and the value's DER. */
function extensions(der: Buffer): Map<string, { critical: boolean; value: ArrayBuffer }> {
  const cert = asn1js.fromBER(new Uint8Array(der)).result as asn1js.Sequence;
  const tbs = cert.valueBlock.value[0] as asn1js.Sequence;
  const wrapped = tbs.valueBlock.value.at(-1) as asn1js.Constructed;
  const list = (wrapped.valueBlock.value[0] as asn1js.Sequence).valueBlock.value as asn1js.Sequence[];
  return new Map(
    list.map((ext) => {
      const [oid, ...rest] = ext.valueBlock.value;
      const critical = rest.length === 2 && (rest[0] as asn1js.Boolean).valueBlock.value;
      return [(oid as asn1js.ObjectIdentifier).valueBlock.toString(), { critical, value: (rest.at(-1) as asn1js.OctetString).valueBlock.valueHexView.slice().buffer }];
    }),
  );
}

test("a certificate Terraform's client accepts: CN and SAN localhost, CA, server and client auth, P-256, self-signed, valid from 30 s ago for a day", () => {
  const now = new Date(Date.UTC(2026, 11, 2, 12, 0, 0));
  const c = createServerCertificate(now);
  const x = new X509Certificate(c.der);
  expect(shape(c.der)).toEqual({
    subject: "CN=localhost",
    issuer: "CN=localhost",
    subjectAltName: "DNS:localhost",
    ca: true,
    extendedKeyUsage: ["1.3.6.1.5.5.7.3.1", "1.3.6.1.5.5.7.3.2"],
    validForMs: 24 * 60 * 60 * 1000 + 30 * 1000,
    keyType: "ec",
    curve: "prime256v1",
    selfSigned: true,
  });
  expect(new Date(x.validFrom).toISOString()).toBe("2026-12-02T11:59:30.000Z");
  expect(x.checkPrivateKey(createPrivateKey(c.privateKeyPem))).toBe(true);
  // a positive 16-byte serial (Go rejects a negative one)
  expect(x.serialNumber).toMatch(/^01[0-9A-F]{30}$/);
  // the PEM is the DER
  expect(new X509Certificate(c.certificatePem).raw.equals(c.der)).toBe(true);

  const ext = extensions(c.der);
  expect([...ext.keys()]).toEqual(["2.5.29.19", "2.5.29.15", "2.5.29.37", "2.5.29.17"]);
  expect(ext.get("2.5.29.19")!.critical).toBe(true);
  // keyUsage, critical: digitalSignature, keyEncipherment and keyCertSign (1010 0100, 2 unused bits)
  expect(ext.get("2.5.29.15")).toEqual({ critical: true, value: new Uint8Array([0x03, 0x02, 0x02, 0xa4]).buffer });
});

test("each certificate has its own key and serial", () => {
  const a = new X509Certificate(createServerCertificate().der);
  const b = new X509Certificate(createServerCertificate().der);
  expect(a.serialNumber).not.toBe(b.serialNumber);
  expect(a.publicKey.export({ type: "spki", format: "der" }).equals(b.publicKey.export({ type: "spki", format: "der" }))).toBe(false);
  expect(shape(a.raw)).toEqual(shape(b.raw));
});

test("the template places each placeholder once; dates are UTCTime through 2049", () => {
  const template = buildCertificateTemplate();
  const tbs = Buffer.from(template.tbs, "base64");
  expect(tbs.subarray(template.notBefore, template.notBefore + 13).toString("latin1")).toBe("010101010101Z");
  expect(tbs.subarray(template.notAfter, template.notAfter + 13).toString("latin1")).toBe("020202020202Z");
  expect(tbs[template.serial]).toBe(1);
  expect(template.publicKeyLength).toBe(91);
  expect(buildCertificateTemplate()).toEqual(template);
  expect(utcTime(new Date(Date.UTC(2049, 11, 31, 23, 59, 59)))).toBe("491231235959Z");
  expect(utcTime(new Date(Date.UTC(2026, 0, 2, 3, 4, 5)))).toBe("260102030405Z");
  expect(() => utcTime(new Date(Date.UTC(2050, 0, 1)))).toThrow("a certificate date in 2050 cannot be written as UTCTime (1950-2049)");
});

test("the bundled provider's certificate (the template computed at build, no asn1js) is shaped like the sources'", async () => {
  const line = await new Promise<string>((resolve, reject) => {
    const child = spawn(process.execPath, [BUNDLED_PROVIDER], {
      env: {
        PATH: process.env.PATH,
        BLUEGREEN_CODE_CACHE: process.env.BLUEGREEN_CODE_CACHE,
        [MAGIC_COOKIE_KEY]: MAGIC_COOKIE_VALUE,
        PLUGIN_PROTOCOL_VERSIONS: "6",
        PLUGIN_CLIENT_CERT: createServerCertificate().certificatePem,
      },
      stdio: ["ignore", "pipe", "inherit"],
    });
    let out = "";
    // never left running, whatever it prints
    const stop = setTimeout(() => child.kill("SIGKILL"), 20_000);
    child.stdout.on("data", (d: Buffer) => {
      out += d.toString();
      if (out.includes("\n")) child.kill("SIGTERM");
    });
    child.on("error", reject);
    child.on("exit", () => {
      clearTimeout(stop);
      resolve(out.split("\n")[0]);
    });
  });
  // go-plugin's handshake line: core version|app version|network|address|protocol|certificate (base64 DER, unpadded)
  const der = Buffer.from(line.split("|")[5], "base64");
  expect(shape(der)).toEqual(shape(createServerCertificate().der));
  expect(new Date(new X509Certificate(der).validFrom).getTime()).toBeGreaterThan(Date.now() - 5 * 60 * 1000);
});
