package kafkatest

import (
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"fmt"
	"math/big"
	"net"
	"path/filepath"
	"time"
)

// TLSFiles are the PEM files of the harness's certificate authority and of a
// client certificate it signed.
type TLSFiles struct {
	// CAFile is the CA certificate clients trust.
	CAFile string
	// ClientCert and ClientKey are a client certificate and its key.
	ClientCert, ClientKey string
	// keystore holds the broker's key and certificate chain (Kafka PEM keystore).
	keystore string
}

// makeTLS writes a self-signed CA, a broker certificate for 127.0.0.1 and
// localhost, and a client certificate into dir.
func makeTLS(dir string) (TLSFiles, error) {
	caKey, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		return TLSFiles{}, fmt.Errorf("generating CA key: %w", err)
	}
	now := time.Now()
	caTmpl := &x509.Certificate{
		SerialNumber:          big.NewInt(1),
		Subject:               pkix.Name{CommonName: "ticklake test CA"},
		NotBefore:             now.Add(-time.Hour),
		NotAfter:              now.Add(24 * time.Hour),
		IsCA:                  true,
		BasicConstraintsValid: true,
		KeyUsage:              x509.KeyUsageCertSign | x509.KeyUsageDigitalSignature,
	}
	caDER, err := x509.CreateCertificate(rand.Reader, caTmpl, caTmpl, &caKey.PublicKey, caKey)
	if err != nil {
		return TLSFiles{}, fmt.Errorf("signing CA: %w", err)
	}
	ca, err := x509.ParseCertificate(caDER)
	if err != nil {
		return TLSFiles{}, fmt.Errorf("parsing CA: %w", err)
	}
	f := TLSFiles{
		CAFile:     filepath.Join(dir, "ca.pem"),
		ClientCert: filepath.Join(dir, "client.pem"),
		ClientKey:  filepath.Join(dir, "client-key.pem"),
		keystore:   filepath.Join(dir, "broker-keystore.pem"),
	}
	if err := writeFile(f.CAFile, pemBlock("CERTIFICATE", caDER)); err != nil {
		return f, err
	}
	srvDER, srvKey, err := leaf(ca, caKey, 2, "127.0.0.1", x509.ExtKeyUsageServerAuth)
	if err != nil {
		return f, err
	}
	if err := writeFile(f.keystore, pemBlock("PRIVATE KEY", srvKey)+pemBlock("CERTIFICATE", srvDER)+pemBlock("CERTIFICATE", caDER)); err != nil {
		return f, err
	}
	cliDER, cliKey, err := leaf(ca, caKey, 3, "ticklake-test-client", x509.ExtKeyUsageClientAuth)
	if err != nil {
		return f, err
	}
	if err := writeFile(f.ClientCert, pemBlock("CERTIFICATE", cliDER)); err != nil {
		return f, err
	}
	return f, writeFile(f.ClientKey, pemBlock("PRIVATE KEY", cliKey))
}

// leaf signs a certificate for cn with ca; it returns the certificate and its
// PKCS#8 key, both DER.
func leaf(ca *x509.Certificate, caKey *rsa.PrivateKey, serial int64, cn string, usage x509.ExtKeyUsage) (cert, key []byte, err error) {
	k, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		return nil, nil, fmt.Errorf("generating key for %s: %w", cn, err)
	}
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(serial),
		Subject:      pkix.Name{CommonName: cn},
		NotBefore:    ca.NotBefore,
		NotAfter:     ca.NotAfter,
		KeyUsage:     x509.KeyUsageDigitalSignature | x509.KeyUsageKeyEncipherment,
		ExtKeyUsage:  []x509.ExtKeyUsage{usage},
		DNSNames:     []string{"localhost"},
		IPAddresses:  []net.IP{net.ParseIP("127.0.0.1")},
	}
	if cert, err = x509.CreateCertificate(rand.Reader, tmpl, ca, &k.PublicKey, caKey); err != nil {
		return nil, nil, fmt.Errorf("signing certificate for %s: %w", cn, err)
	}
	if key, err = x509.MarshalPKCS8PrivateKey(k); err != nil {
		return nil, nil, fmt.Errorf("encoding key for %s: %w", cn, err)
	}
	return cert, key, nil
}

func pemBlock(typ string, der []byte) string {
	return string(pem.EncodeToMemory(&pem.Block{Type: typ, Bytes: der}))
}
