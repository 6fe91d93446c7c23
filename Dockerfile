# seegrad inference server, SageMaker bring-your-own-container contract:
#   GET /ping, POST /invocations on port 8080; SageMaker starts the container as `docker run IMAGE serve`
#   and unpacks model.tar.gz into /opt/ml/model (put model.onnx there; or model.npz + config.json
#   from `seegrad train`; or model.npz with SEEGRAD_MODEL_DEF=package.module:function on the image).
#
#   docker build -t seegrad-serve .
#   docker run --rm -p 8080:8080 -v "$PWD/run1:/opt/ml/model:ro" seegrad-serve serve
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 PIP_NO_CACHE_DIR=1 \
    OPENBLAS_NUM_THREADS=1 OMP_NUM_THREADS=1
WORKDIR /opt/seegrad

COPY pyproject.toml README.md ./
COPY autograd ./autograd
COPY nn ./nn
COPY optim ./optim
COPY seegrad ./seegrad
RUN pip install ".[onnx,serve]" \
    && useradd --system --no-create-home seegrad

USER seegrad
ENV SEEGRAD_MODEL=/opt/ml/model
EXPOSE 8080
# the server listens on every interface of the container (what SageMaker needs); the port is
# 8080 unless SAGEMAKER_BIND_TO_PORT says otherwise
ENTRYPOINT ["python", "-m", "seegrad.serving", "--host", "0.0.0.0", "--no-access-log"]
CMD ["serve"]
